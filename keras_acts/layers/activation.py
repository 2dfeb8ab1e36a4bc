"""Stateless activation layers: Keras's own done right, and one for every function."""

from __future__ import annotations

import functools
import inspect

import keras
import tensorflow as tf

from keras_acts import registry
from keras_acts.activations import rectifiers
from keras_acts.activations._base import integer, python_number, python_numbers, real_number, where

register = keras.saving.register_keras_serializable(package=registry.PACKAGE)


@register
class Activation(keras.layers.Layer):
    """Applies an activation function; any identifier ``keras_acts.get`` accepts.

    Args:
        activation: a name (keras_acts's or Keras's, forgiving about case and
            ``-``/``_``), a parameterised string (``"elu(alpha=0.5)"``), a
            config dict, a callable, or None for linear.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    >>> import numpy as np
    >>> Activation("lisht")(np.array([-2.0, 0.0, 1.0])).numpy()
    array([1.9280552, 0.       , 0.7615942], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = registry.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return _output_spec(self.activation, input_shape, self.compute_dtype).shape

    def compute_output_spec(self, inputs):
        return _output_spec(self.activation, inputs.shape, _input_dtype(self, inputs))

    def compute_mask(self, inputs, mask=None):
        return _kept_mask(self.activation, inputs, mask)

    def get_config(self):
        return {**super().get_config(), "activation": registry.serialize(self.activation)}


def _kept_mask(fn, inputs, mask):
    """``mask`` where ``fn`` keeps the axes before the last (the time steps a mask covers),
    None where it changes one (a gated unit halving a time axis), as ``Maxout`` does."""
    if mask is None:
        return None
    shape = tuple(inputs.shape)
    try:
        keeps = _keeps_time_steps(fn, shape)
    except TypeError:  # a callable object that cannot be hashed: told each time
        keeps = _keeps_time_steps.__wrapped__(fn, shape)
    return mask if keeps else None


@functools.lru_cache(maxsize=1024)
def _keeps_time_steps(fn, shape: tuple) -> bool:
    """Whether ``fn`` keeps the axes of ``shape`` before the last; once per function and
    shape (masks go with every eager call, and a gated or user's function is traced to tell)."""
    return tuple(_output_spec(fn, shape, "float32").shape)[:-1] == shape[:-1]


def _output_spec(fn, input_shape, dtype) -> keras.KerasTensor:
    """What ``fn`` gives inputs of ``input_shape`` and ``dtype``: the input's shape and
    dtype for the elementwise and softmax families, otherwise (gated units halve an
    axis, a user's function may do anything) found by tracing ``fn`` on a placeholder,
    as Keras traces a layer's ``call``; ``TimeDistributed`` asks for the shape."""
    if isinstance(fn, registry.ConfiguredActivation):
        found = registry.spec(fn.activation)
    else:
        found = registry.spec_of(fn)
    if found is not None and found.family not in ("gated", "user"):
        if "float" not in keras.backend.standardize_dtype(dtype):  # integers give floatx()
            dtype = keras.config.floatx()
        return keras.KerasTensor(tuple(input_shape), dtype=dtype)
    traced = tf.function(fn).get_concrete_function(tf.TensorSpec(input_shape, dtype))
    out = traced.structured_outputs
    return keras.KerasTensor(tuple(out.shape.as_list()), dtype=out.dtype.name)


def _input_dtype(layer, inputs) -> str:
    """The dtype ``call`` sees: floating inputs cast to the layer's compute dtype, as
    Keras's ``__call__`` casts them; others as they are."""
    dtype = keras.backend.standardize_dtype(inputs.dtype)
    return layer.compute_dtype if "float" in dtype and layer.autocast else dtype


class _Elementwise(keras.layers.Layer):
    """A stateless layer whose output has its input's shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


@register
class LeakyReLU(_Elementwise):
    """Leaky ReLU layer: ``x if x > 0 else negative_slope * x``.

    Args:
        negative_slope: slope below zero, default 0.3 (as Keras's layer).
        alpha: TF 2's name for ``negative_slope``; pass one or the other.
        **kwargs: base layer arguments.

    >>> import numpy as np
    >>> LeakyReLU(alpha=0.1)(np.array([-10.0, 2.0])).numpy()
    array([-1.,  2.], dtype=float32)
    """

    def __init__(self, negative_slope=None, *, alpha=None, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = rectifiers._slope(alpha, negative_slope, 0.3)
        if self.negative_slope < 0:
            raise ValueError(f"`negative_slope` must be >= 0, got {self.negative_slope!r}")

    def call(self, inputs):
        return rectifiers.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@register
class ReLU(_Elementwise):
    """ReLU layer with Keras's options: ``max_value``, ``negative_slope``, ``threshold``.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold < x <
    max_value``, ``negative_slope * (x - threshold)`` otherwise.

    >>> import numpy as np
    >>> ReLU(max_value=6.0, negative_slope=0.1)(np.array([-10.0, 3.0, 9.0])).numpy()
    array([-1.,  3.,  6.], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        # Python numbers as given (an int stays an int in the config, as in Keras's layer)
        max_value, negative_slope, threshold = python_numbers((max_value, negative_slope, threshold),
                                                               ("max_value", "negative_slope", "threshold"))
        if max_value is not None:
            real_number(max_value, "max_value", "non-negative")
        real_number(negative_slope, "negative_slope", "non-negative")
        real_number(threshold, "threshold")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return rectifiers.relu(inputs, max_value=self.max_value, threshold=self.threshold,
                               negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


@register
class ELU(_Elementwise):
    """ELU layer: ``x if x > 0 else alpha * (exp(x) - 1)``, with ``expm1``.

    >>> import numpy as np
    >>> ELU(alpha=0.5)(np.array([-1.0, 2.0])).numpy()
    array([-0.31606027,  2.        ], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        alpha = python_number(alpha, "alpha")
        real_number(alpha, "alpha")
        self.alpha = alpha

    def call(self, inputs):
        return rectifiers.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@register
class ThresholdedReLU(_Elementwise):
    """Thresholded ReLU (Keras 2's layer): ``x if x > theta else 0``.

    Reference: Konda, Memisevic & Krueger (2015), "Zero-bias autoencoders
    and the benefits of co-adapting features", arXiv:1402.3337.

    >>> import numpy as np
    >>> ThresholdedReLU()(np.array([0.5, 1.0, 1.5])).numpy()
    array([0. , 0. , 1.5], dtype=float32)
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        theta = python_number(theta, "theta")
        real_number(theta, "theta", "non-negative")
        self.theta = theta

    def call(self, inputs):
        return rectifiers.threshold(inputs, threshold=self.theta, default_value=0.0)

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


@register
class Softmax(_Elementwise):
    """Softmax layer with masks: masked positions give 0, a fully masked row gives zeros.

    Args:
        axis: the axis that sums to 1, or a tuple of axes that sum to 1 together.

    Call arguments:
        inputs: logits.
        mask: boolean tensor broadcastable to ``inputs`` (each dimension 1 or the
            inputs'); False positions are left out of the normalisation. A mask of
            numbers keeps the positions above 0.5 (integers: above 0), as Keras's.

    >>> import numpy as np
    >>> Softmax()(np.array([[1.0, 2.0, 5.0]]), mask=np.array([[True, True, False]])).numpy()
    array([[0.26894143, 0.7310586 , 0.        ]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis, "axis")

    def call(self, inputs, mask=None):
        from keras_acts.activations.softmax import check_axes, check_axis, softmax

        if mask is None:
            return softmax(inputs, axis=self.axis)
        x = tf.convert_to_tensor(inputs)
        axes = check_axes(x, self.axis) if isinstance(self.axis, tuple) else [check_axis(x, self.axis)]
        keep = tf.broadcast_to(_mask_argument(mask, x), tf.shape(x))
        low = tf.constant(-float("inf"), x.dtype)
        peak = tf.reduce_max(where(keep, x, low), axis=axes, keepdims=True)
        peak = where(tf.math.is_finite(peak), peak, tf.zeros_like(peak))
        # Masked positions never reach exp, so nothing overflows in either pass.
        e = where(keep, tf.exp(where(keep, x, peak) - peak), tf.zeros_like(x))
        total = tf.reduce_sum(e, axis=axes, keepdims=True)
        return e / where(total > 0, total, tf.ones_like(total))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _axis_argument(value, argument: str):
    """An axis argument as a Python int (NumPy integers taken as the ints they hold),
    or a tuple of them (a list too, as a config reloads it)."""
    if isinstance(value, (tuple, list)):
        axes = tuple(integer(v, argument) for v in value)
        if not axes or len(set(axes)) < len(axes):
            raise ValueError(f"`{argument}` must name distinct axes, at least one, got {value!r}")
        return axes
    if type(python_number(value)) is not int:
        raise TypeError(f"`{argument}` must be an int or a tuple of ints, "
                        f"got {type(value).__name__}: {value!r}")
    return python_number(value)


def _mask_argument(mask, x):
    """A mask as booleans, checked against ``x``'s shape as Keras's ``Softmax`` checks
    it (every dimension 1 or ``x``'s, no more dimensions); a mask of numbers keeps
    the positions above 0.5 (integers: above 0), as Keras's does."""
    mask = tf.convert_to_tensor(mask)
    shape, wanted = mask.shape, x.shape
    if shape.rank is not None and wanted.rank is not None:
        fits = shape.rank <= wanted.rank and all(
            m is None or i is None or m in (1, i)
            for m, i in zip(reversed(shape.as_list()), reversed(wanted.as_list())))
        if not fits:
            raise ValueError(f"`mask` of shape {shape} does not broadcast to the inputs' "
                             f"shape {wanted}: each of its dimensions must be 1 or the "
                             "inputs' own, and it may not have more of them.")
    if mask.dtype == tf.bool:
        return mask
    return tf.greater(mask, tf.constant(0 if mask.dtype.is_integer else 0.5, mask.dtype))


@register
class RReLU(_Elementwise):
    """Randomized leaky ReLU layer: random slopes in training, their mean at inference.

    Args:
        lower, upper: bounds of the uniform slope (1/8 and 1/3).
        seed: an int for reproducible slopes.

    Reference: Xu, Wang, Chen & Li (2015), arXiv:1505.00853.

    >>> import numpy as np
    >>> RReLU()(np.array([-48.0, 3.0])).numpy()
    array([-11.,   3.], dtype=float32)
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, seed=None, **kwargs):
        super().__init__(**kwargs)
        rectifiers.rrelu(tf.zeros([1]), lower=lower, upper=upper)  # validates the bounds
        self.lower, self.upper, self.seed = lower, upper, seed
        self._seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        return rectifiers.rrelu(inputs, lower=self.lower, upper=self.upper,
                                training=training, seed=self._seed_generator if training else None)

    def get_config(self):
        return {**super().get_config(), "lower": self.lower, "upper": self.upper, "seed": self.seed}


@register
class Maxout(keras.layers.Layer):
    """Maxout: splits ``axis`` into ``num_units`` groups and keeps each group's maximum.

    The size of ``axis`` must be a multiple of ``num_units``.

    Reference: Goodfellow, Warde-Farley, Mirza, Courville & Bengio (2013),
    "Maxout Networks", arXiv:1302.4389.

    >>> import numpy as np
    >>> Maxout(2)(np.array([[1.0, 5.0, -2.0, -3.0]])).numpy()
    array([[ 5., -2.]], dtype=float32)
    """

    def __init__(self, num_units, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.num_units, self.axis = integer(num_units, "num_units", 1), integer(axis, "axis")
        self.supports_masking = True

    def _axis(self, shape):
        rank = len(shape)
        if not -rank < self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"`axis`={self.axis} is out of range (or the batch axis) for shape {tuple(shape)}")
        axis = self.axis % rank
        size = shape[axis]
        if size is None or size % self.num_units:
            raise ValueError(
                f"Maxout needs the size of `axis` {axis} ({size}) to be a known multiple of "
                f"`num_units`={self.num_units}."
            )
        return axis, size

    def build(self, input_shape):
        self._axis(input_shape)

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        axis, size = self._axis(x.shape)
        shape = tf.concat([tf.shape(x)[:axis], [self.num_units, size // self.num_units],
                           tf.shape(x)[axis + 1:]], 0)
        return tf.reduce_max(tf.reshape(x, shape), axis=axis + 1)

    def compute_mask(self, inputs, mask=None):
        # A mask covers the axes before the last (time steps): it holds while the
        # groups are taken along the last axis, and means nothing once another is cut.
        if mask is None or self.axis % len(inputs.shape) == len(inputs.shape) - 1:
            return mask
        return None

    def compute_output_shape(self, input_shape):
        axis, _ = self._axis(input_shape)
        return tuple(input_shape[:axis]) + (self.num_units,) + tuple(input_shape[axis + 1:])

    def get_config(self):
        return {**super().get_config(), "num_units": self.num_units, "axis": self.axis}


class FunctionLayer(keras.layers.Layer):
    """A stateless layer applying one keras_acts function; its options are the layer's arguments.

    Subclasses set ``function`` (a registry name). keras_acts derives one
    for every function (``keras_acts.layers.Mish``, ``.GELU``, ``.SwiGLU`` ...).
    """

    function = ""

    def __init__(self, **kwargs):
        found = registry.spec(self.function)
        names = list(inspect.signature(found.fn).parameters)[1:]
        # 0-d arrays and tensors as the numbers they hold: a config keeps numbers.
        self.options = {name: python_number(kwargs.pop(name), name) for name in names if name in kwargs}
        super().__init__(**kwargs)
        self.supports_masking = True
        self._fn = registry.configured(found.name, **self.options)

    def call(self, inputs):
        return self._fn(inputs)

    def compute_output_shape(self, input_shape):
        return _output_spec(self._fn, input_shape, self.compute_dtype).shape

    def compute_output_spec(self, inputs):
        return _output_spec(self._fn, inputs.shape, _input_dtype(self, inputs))

    def compute_mask(self, inputs, mask=None):
        return _kept_mask(self._fn, inputs, mask)

    def get_config(self):
        return {**super().get_config(), **self.options}


_SPELLINGS = {
    "relu": "ReLU", "elu": "ELU", "selu": "SELU", "celu": "CELU", "gelu": "GELU", "glu": "GLU",
    "silu": "SiLU", "lisht": "LiSHT", "gcu": "GCU", "serf": "SERF", "elish": "ELiSH",
    "swiglu": "SwiGLU", "geglu": "GEGLU", "reglu": "ReGLU", "rrelu": "RReLU", "relu6": "ReLU6",
    "relu2": "ReLU2",
}


def layer_name(function_name: str) -> str:
    """The layer class name for a function name: ``"gelu_tanh"`` -> ``"GELUTanh"``.

    >>> layer_name("hard_silu"), layer_name("squared_relu"), layer_name("mish")
    ('HardSiLU', 'SquaredReLU', 'Mish')
    """
    return "".join(_SPELLINGS.get(part, part.capitalize()) for part in function_name.split("_"))


def function_layers(existing) -> dict[str, type]:
    """One :class:`FunctionLayer` subclass per keras_acts function whose name is free."""
    made = {}
    for found in registry.specs():
        if found.family == "user":
            continue
        name = layer_name(found.name)
        if name in existing:
            continue
        cls = type(name, (FunctionLayer,), {
            "function": found.name,
            "__doc__": f"Layer applying :func:`keras_acts.activations.{found.name}`; "
                       f"its keyword options are this layer's arguments.\n\n{found.summary}",
            "__module__": __name__,
        })
        made[name] = register(cls)
        # where its __module__ says it is: pickle finds a class by module and name
        globals().setdefault(name, made[name])
    return made
