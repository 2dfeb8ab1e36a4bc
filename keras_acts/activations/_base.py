"""What every activation function shares: input handling and declaration.

:func:`activation` wraps a formula written for float tensors into the public
function: it accepts Python numbers, lists, numpy arrays, tensors and
``keras.Input`` tensors, gives integer input the default float type, computes
float16 and bfloat16 in float32 and rounds once, and declares the function in
the registry. The formula itself stays one to five lines of TensorFlow ops.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

import keras
import tensorflow as tf

from keras_acts import registry

# dtype checks as set lookups: DType's == costs about a microsecond, a lot beside one
# small tensor's op (TensorFlow's DTypes are interned, so lookups hit on identity).
_HALF = frozenset({tf.float16, tf.bfloat16})
_FLOATS = frozenset({tf.float16, tf.bfloat16, tf.float32, tf.float64})
_FLOAT64 = frozenset({tf.float64})

try:  # TensorFlow's own check, private: whether any GradientTape is recording now
    from tensorflow.python.eager.record import could_possibly_record as _tape_is_recording
except ImportError:  # pragma: no cover - a TensorFlow that moved it: always record
    def _tape_is_recording() -> bool:
        return True


def as_float_tensor(x: Any, argument: str = "x") -> tf.Tensor:
    """``x`` as a real floating-point tensor (integers become ``floatx()``)."""
    if not isinstance(x, tf.Tensor):  # variables too: read them once, return tensors
        try:
            x = tf.convert_to_tensor(x)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"`{argument}` must be a tensor, array or number, got {type(x).__name__}: {error}"
            ) from None
    dtype = x.dtype
    if dtype in _FLOATS:
        return x
    if dtype.is_integer or dtype == tf.bool:
        return tf.cast(x, keras.config.floatx())
    raise TypeError(f"`{argument}` must hold real numbers, got a tensor of dtype {dtype.name}.")


def is_float64(x: tf.Tensor) -> bool:
    """Whether ``x`` is float64 (the other float dtypes reach formulas as float32)."""
    return x.dtype in _FLOAT64


def as_float64(x: tf.Tensor) -> tf.Tensor:
    """``x`` in float64, for formulas whose float32 rounding would be amplified
    (gates whose argument scales ``x``, cancelling differences)."""
    return x if x.dtype in _FLOAT64 else tf.cast(x, tf.float64)


def constant(value: float, x: tf.Tensor) -> tf.Tensor:
    """``value`` in ``x``'s dtype (constants must not round through float32).

    Also the way to give ``tf.where`` a constant branch: a ``zeros_like(x)`` of
    a static shape is folded by Grappler into a constant tensor of that shape,
    one per layer, held for the whole training step.
    """
    return tf.constant(value, dtype=x.dtype)


def custom_gradient(formula: Callable) -> Callable:
    """``tf.custom_gradient``, skipped in eager mode when no tape is recording.

    Recording a custom gradient in eager mode costs about 70 µs per call, many
    times a small tensor's whole forward pass; with no tape there is nothing to
    record it for. ``formula(x, *options)`` returns ``(y, gradient)`` as for
    ``tf.custom_gradient``; ``options`` are Python numbers, not differentiated.

    The gradient's ops wait for the upstream gradient. Without that, TensorFlow's
    dataflow runs the part that depends on the forward tensors alone (``exp(-y)``
    of ``dy * (1 - exp(-y))``) during the forward pass and keeps its result until
    the backward pass: one more tensor per layer at the training step's peak.
    """

    def ordered(x, *options):
        y, gradient = formula(x, *options)

        def after_upstream(dy):
            with tf.control_dependencies([dy]):
                return gradient(dy)

        return y, after_upstream

    with_gradient = tf.custom_gradient(ordered)

    @functools.wraps(formula)
    def call(x, *options):
        if tf.executing_eagerly() and not _tape_is_recording():
            return formula(x, *options)[0]
        if options:
            return tf.custom_gradient(lambda t: ordered(t, *options))(x)
        return with_gradient(x)

    return call


def with_derivative(derivative: Callable) -> Callable[[Callable], Callable]:
    """Give ``forward(x, *options)`` the gradient ``dy * derivative(x, *options)``.

    The derivative is computed in the backward pass from ``x`` alone: a training
    step keeps ``x`` and none of the forward formula's intermediates, and the
    derivative can be computed in ``x``'s dtype where the value needs float64.
    """

    def decorate(forward: Callable) -> Callable:
        def formula(x, *options):
            return forward(x, *options), lambda dy: dy * derivative(x, *options)

        formula.__name__ = formula.__qualname__ = forward.__name__
        return custom_gradient(formula)

    return decorate


def activation(
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    reference: str = "",
    family: str = "",
    upcast_half: bool = True,
) -> Callable[[Callable], Callable]:
    """Declare a keras_acts activation from its formula.

    Args:
        name: canonical name, also the public function's ``__name__``.
        aliases: further names.
        reference: paper or library the definition comes from.
        family: the module grouping.
        upcast_half: compute float16/bfloat16 in float32 and round once. Off
            only for formulas exact in any dtype (piecewise linear ones).
    """

    def decorator(formula: Callable) -> Callable:
        signature = inspect.signature(formula)

        @functools.wraps(formula)
        def fn(x, *args, **kwargs):
            if isinstance(x, keras.KerasTensor):
                return _symbolic_call(fn, signature, x, args, kwargs)
            x = as_float_tensor(x)
            if upcast_half and x.dtype in _HALF:
                return tf.cast(formula(tf.cast(x, tf.float32), *args, **kwargs), x.dtype)
            return formula(x, *args, **kwargs)

        fn.__name__ = name
        fn.__qualname__ = name
        return registry.declare(name, aliases=aliases, reference=reference, family=family)(fn)

    return decorator


def _symbolic_call(fn, signature, x, args, kwargs):
    """Apply ``fn`` to a ``keras.Input`` tensor through a serializable layer."""
    from keras_acts.layers import Activation  # layers import activations, not the reverse

    if args or kwargs:
        bound = signature.bind(x, *args, **kwargs)
        options = {k: v for k, v in bound.arguments.items() if k != "x"}
        return Activation(registry.configured(fn, **options))(x)
    return Activation(fn)(x)
