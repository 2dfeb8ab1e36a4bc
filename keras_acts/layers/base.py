"""The base class for learnable activations, and the parameters they declare.

A learnable activation declares its parameters and writes its formula; the
base creates the weights (with ``shared_axes``, per-element or per-channel
shapes, initializers, regularizers and constraints), applies the dtype policy
(float32 variables under mixed precision; float16/bfloat16 computed in float32
and rounded once), and provides ``get_config`` for saving::

    @keras.saving.register_keras_serializable(package="my_package")
    class ScaledTanh(ParametricActivation):
        parameters = (Parameter("scale", 1.0), Parameter("slope", 1.0))

        def formula(self, x, scale, slope):
            return scale * tf.math.tanh(slope * x)

``ScaledTanh(scale_initializer=2.0, shared_axes=[1, 2])`` then works, trains,
saves and reloads like any Keras layer.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import tensorflow as tf

from keras_acts import registry
from keras_acts.activations._base import (
    FUSE_FROM, as_float_tensor, boolean, fuse, in_xla_context, integer, python_number, real_number,
)

_HALF = frozenset({tf.float16, tf.bfloat16})  # a set lookup: DType's == is slow


@keras.saving.register_keras_serializable(package=registry.PACKAGE)
class AtLeast(keras.constraints.Constraint):
    """Constraint keeping every value at or above ``min_value``.

    >>> AtLeast(0.1)(keras.ops.convert_to_tensor([-1.0, 0.5])).numpy()
    array([0.1, 0.5], dtype=float32)
    """

    def __init__(self, min_value: float):
        self.min_value = float(min_value)

    def __call__(self, w):
        return keras.ops.maximum(w, keras.ops.cast(self.min_value, w.dtype))

    def get_config(self):
        return {"min_value": self.min_value}


@dataclasses.dataclass(frozen=True)
class Parameter:
    """A learnable parameter of a :class:`ParametricActivation`.

    Attributes:
        name: the weight's name; the layer takes ``<name>_initializer``,
            ``<name>_regularizer`` and ``<name>_constraint`` arguments.
        initializer: default initial value: a number, or anything
            ``keras.initializers.get`` accepts. One of Keras's initializer objects
            is copied for each layer: unseeded, each layer draws its own values.
        constraint: default constraint (``keras.constraints.get`` identifier).
        regularizer: default regularizer.
        scalar: one value for the whole layer, whatever ``shared_axes`` says.
        leading: extra leading dimensions, each an int or the name of a layer
            attribute holding one (``("hinges",)`` for APL's hinge count).
    """

    name: str
    initializer: Any = "zeros"
    constraint: Any = None
    regularizer: Any = None
    scalar: bool = False
    leading: tuple = ()


@keras.saving.register_keras_serializable(package=registry.PACKAGE)
class ExactConstant(keras.initializers.Constant):
    """``keras.initializers.Constant`` rounded once, to the weight's dtype: Keras's
    (TensorFlow backend) makes a float32 tensor of the value first, so a float64
    weight of 0.1 held 0.10000000149011612."""

    def __call__(self, shape, dtype=None):
        dtype = tf.as_dtype(keras.backend.standardize_dtype(dtype))
        return tf.broadcast_to(tf.constant(self.value, dtype), shape)


_DEFAULT = object()  # an argument not given


def _fresh(initializer):
    """A copy of a default initializer object of Keras's for one layer. Keras's unseeded
    random initializers draw their seed when made and repeat it at every call: one object
    shared by every layer would give every layer the same values. Other objects (one of
    yours, whose config may not rebuild it) are used as they are."""
    keras_own = type(initializer).__module__.split(".")[0] == "keras"
    if keras_own and isinstance(initializer, keras.initializers.Initializer):
        return type(initializer).from_config(initializer.get_config())
    return initializer


def _initializer(value, argument):
    if value is None:
        raise ValueError(f"`{argument}` must be a number or an initializer, got None.")
    if isinstance(value, (tf.Variable, keras.Variable)):  # its value now, as an initial value
        value = tf.convert_to_tensor(value)
    value = python_number(value, argument)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ExactConstant(real_number(value, argument))
    return keras.initializers.get(value)


def _input_spec(shape: tuple[int, ...]) -> keras.layers.InputSpec | None:
    """What later inputs must match for parameters of ``shape`` (axes 1 to the last):
    the sizes of the axes they do not share; with one per channel alone, the channels at
    any rank; with every axis shared, anything. Keras's error names the layer and axis,
    where a mismatch would otherwise be TensorFlow's broadcast error, or broadcast
    silently over an axis the parameters were not built for."""
    kept = {i + 1: size for i, size in enumerate(shape) if size != 1}
    if not kept:
        return None
    if list(kept) == [len(shape)]:
        return keras.layers.InputSpec(min_ndim=2, axes={-1: kept[len(shape)]})
    return keras.layers.InputSpec(ndim=len(shape) + 1, axes=kept)


class ParametricActivation(keras.layers.Layer):
    """Base class of learnable activations: declare ``parameters``, write ``formula``.

    Args:
        shared_axes: input axes along which one parameter value is shared
            (1 is the first axis after the batch; negative values count from
            the end). Axes whose size is unknown when the layer is built are
            always shared. Default: the class's ``default_sharing``.
        per_channel: share every axis but the last (one value per channel,
            as PyTorch's ``PReLU(num_parameters=C)``); excludes ``shared_axes``.
        <parameter>_initializer, <parameter>_regularizer,
        <parameter>_constraint: for each declared parameter.
        **kwargs: base layer arguments (``name``, ``dtype``, ``trainable``, ...).

    Subclasses set ``parameters`` (a tuple of :class:`Parameter`) and
    ``default_sharing`` (``"element"``: one value per input element, as
    Keras's PReLU; ``"channel"``: one per channel), and implement
    ``formula(self, x, **values)``; add constructor arguments of their own
    to ``get_config``. They may also implement ``formula_in_xla``, the same
    values in a form for the caller's own XLA program.
    """

    parameters: tuple[Parameter, ...] = ()
    default_sharing: str = "element"
    # Inputs from this many elements on run the formula as one XLA kernel (see
    # keras_acts.activations._base.fuse); None: never (a formula of one op).
    fuse_from: int | None = FUSE_FROM

    def __init__(self, shared_axes=None, per_channel=None, **kwargs):
        options = {}
        for p in self.parameters:
            given = kwargs.pop(f"{p.name}_initializer", _DEFAULT)
            options[f"{p.name}_initializer"] = _initializer(
                _fresh(p.initializer) if given is _DEFAULT else given, f"{p.name}_initializer")
            options[f"{p.name}_regularizer"] = keras.regularizers.get(
                kwargs.pop(f"{p.name}_regularizer", p.regularizer))
            options[f"{p.name}_constraint"] = keras.constraints.get(
                kwargs.pop(f"{p.name}_constraint", p.constraint))
        super().__init__(**kwargs)
        self.supports_masking = True
        for key, value in options.items():  # alpha_initializer etc., as Keras's layers have
            setattr(self, key, value)
        if per_channel is not None:
            per_channel = boolean(per_channel, "per_channel")
        if per_channel and shared_axes:
            raise ValueError("Pass `shared_axes` or `per_channel=True`, not both.")
        if per_channel is None:
            per_channel = shared_axes is None and self.default_sharing == "channel"
        self.per_channel = per_channel
        if type(python_number(shared_axes)) is int:
            shared_axes = (python_number(shared_axes),)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            raise TypeError(
                f"`shared_axes` must be an int, a list or tuple of ints, or None, "
                f"got {type(shared_axes).__name__}: {shared_axes!r}"
            )
        shared_axes = tuple(integer(a, "shared_axes") for a in shared_axes or ())
        if 0 in shared_axes:
            raise ValueError(
                f"`shared_axes` must be non-zero ints (axis 0 is the batch), got {shared_axes!r}"
            )
        self.shared_axes = shared_axes

    def parameter_shape(self, input_shape) -> tuple[int, ...]:
        """The shape of a non-scalar parameter for inputs of ``input_shape``."""
        rank = len(input_shape)
        if rank < 2 and (self.shared_axes or self.per_channel):
            raise ValueError(f"`shared_axes` needs inputs of rank >= 2, got shape {tuple(input_shape)}")
        shared = set()
        for axis in self.shared_axes:
            if not -rank < axis < rank:
                raise ValueError(
                    f"`shared_axes` entry {axis} is out of range for inputs of rank {rank} "
                    f"(shape {tuple(input_shape)})."
                )
            shared.add(axis % rank)
        if self.per_channel:
            shared = set(range(1, rank - 1))
        return tuple(
            1 if (i in shared or input_shape[i] is None) else int(input_shape[i])
            for i in range(1, rank)
        )

    def build(self, input_shape):
        shape = self.parameter_shape(input_shape)
        if any(not p.scalar for p in self.parameters):
            self.input_spec = _input_spec(shape)
        for p in self.parameters:
            leading = tuple(getattr(self, d) if isinstance(d, str) else d for d in p.leading)
            weight = self.add_weight(
                name=p.name,
                shape=leading + (() if p.scalar else shape),
                initializer=getattr(self, f"{p.name}_initializer"),
                regularizer=getattr(self, f"{p.name}_regularizer"),
                constraint=getattr(self, f"{p.name}_constraint"),
                # read as stored: under mixed precision Keras's autocast would hand the
                # formula weights rounded to float16 / bfloat16 (call computes in float32)
                autocast=False,
            )
            setattr(self, p.name, weight)

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        if not x.dtype.is_floating:  # integers: the layer's float dtype, not integer weights
            x = tf.cast(as_float_tensor(x, "inputs"), self.compute_dtype)
        inputs_dtype = x.dtype
        compute = tf.float32 if x.dtype in _HALF else x.dtype
        values = {p.name: tf.cast(getattr(self, p.name), compute) for p in self.parameters}
        x = tf.cast(x, compute)
        return tf.cast(self._fused_formula(x)(x, **values), inputs_dtype)

    def _fused_formula(self, x):
        """``formula``, or the same as one XLA-compiled kernel (forward, and the
        backward pass TensorFlow derives from it) for inputs of ``fuse_from``
        elements or more (``keras_acts.activations._base.fuse``), when fusion is on
        (:mod:`keras_acts.config`). Compiled once per input shape."""
        if not fuse(x, self.fuse_from):
            return self.formula_in_xla if in_xla_context() else self.formula
        fused = self.__dict__.get("_compiled_formula")
        if fused is None:
            fused = tf.function(self.formula, jit_compile=True, autograph=False, reduce_retracing=True)
            object.__setattr__(self, "_compiled_formula", fused)  # not a tracked attribute
        return fused

    def formula(self, x, **values):
        raise NotImplementedError(f"{type(self).__name__} must implement formula(x, ...)")

    def formula_in_xla(self, x, **values):
        """The formula inside the caller's XLA program (``jit_compile=True``), where
        XLA fuses it with its gradient into one loop: by default :meth:`formula`.
        A subclass may give the same values in a form whose gradient XLA runs faster."""
        return self.formula(x, **values)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            **super().get_config(),
            "shared_axes": list(self.shared_axes) or None,
            "per_channel": self.per_channel,
        }
        for p in self.parameters:
            for kind, module in (("initializer", keras.initializers),
                                 ("regularizer", keras.regularizers),
                                 ("constraint", keras.constraints)):
                config[f"{p.name}_{kind}"] = module.serialize(getattr(self, f"{p.name}_{kind}"))
        return config
