"""Rectifiers: identity on one side of a threshold, something else on the other."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from keras_acts.activations._base import (
    activation,
    as_float64,
    at_or_below,
    negative_part_minus,
    rounded,
    constant,
    expm1_nonpositive,
    gradient_from_input,
    gradient_from_output,
    in_xla_context,
    is_float64,
    real_number,
    sqrt_nonnegative,
    where,
)
from keras_acts.activations._trig import sin_float64, with_float32_sine

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _slope(alpha, negative_slope, default):
    if negative_slope is not None and alpha is not None and alpha != negative_slope:
        raise ValueError(
            f"Pass the slope once: `alpha`={alpha!r} and `negative_slope`={negative_slope!r} differ."
        )
    slope = negative_slope if negative_slope is not None else alpha
    argument = "negative_slope" if negative_slope is not None else "alpha"
    return default if slope is None else real_number(slope, argument)


# float32 forms whose gradient is TensorFlow's one-kernel EluGrad / SeluGrad on the
# output (the output alone is kept for the backward pass, as Keras's elu keeps it).
# In float64 autodiff of the expm1 form is used instead: y + 1 cancels for x << 0,
# which float64's gradient tolerance would notice and float32's rounding does not.
#
# Outside XLA (small tensors in a graph, as a small model's training step runs them)
# each op is a kernel with its own dispatch: elu is min(relu(x), expm1(x)) and selu
# min(relu(s x), s a expm1(x)), three and five cheap kernels in place of a comparison,
# a boolean tensor and a select. The same bits: expm1(x) >= x everywhere (and a > 1),
# overflowing to inf only where x is taken, and relu(x) = 0 lies above expm1(x) < 0;
# NaN and -0 stay. On [128, 32], elu's forward takes 12 µs where the select took 17,
# selu's 16 where it took 21 (TensorFlow's inaccurate kernels: 3-5; the training step
# 0.96-0.98x Keras's either way, within its noise; benchmarks/training_forms.py).
@gradient_from_output(lambda dy, y: tf.raw_ops.EluGrad(gradients=dy, outputs=y))
def _unit_elu(x):
    if not in_xla_context():
        return tf.minimum(tf.nn.relu(x), tf.math.expm1(x))
    # expm1 overflows to inf for large x where it is not selected; the gradient
    # never differentiates it.
    return where(x > 0, x, expm1_nonpositive(x))


@gradient_from_output(lambda dy, y, slope: tf.raw_ops.LeakyReluGrad(gradients=dy, features=y, alpha=slope),
                      fuse_forward=False, fuse_backward=False)  # one TensorFlow kernel each
def _leaky_relu_from_output(x, slope):  # slope > 0, so y has x's sign
    return tf.raw_ops.LeakyRelu(features=x, alpha=slope)


# celu'(x) = exp(x / alpha) = y / alpha + 1 for x < 0 (alpha > 0)
@gradient_from_output(lambda dy, y, alpha: tf.raw_ops.EluGrad(gradients=dy, outputs=y / alpha))
def _celu_float32(x, alpha):
    a = constant(alpha, x)
    return where(x > 0, x, a * expm1_nonpositive(x / a))


@gradient_from_output(lambda dy, y: tf.raw_ops.SeluGrad(gradients=dy, outputs=y))
def _selu_float32(x):
    if not in_xla_context():  # as _unit_elu's, outside XLA
        return tf.minimum(tf.nn.relu(constant(_SELU_SCALE, x) * x),
                          constant(_SELU_SCALE * _SELU_ALPHA, x) * tf.math.expm1(x))
    # The scale inside each branch: in one XLA program with its gradient, a scale
    # applied after the select made XLA:CPU write exp(x) to memory and recompute y
    # from it in the backward pass (forward+backward 1.3x Keras's time, now 0.8x).
    negative = constant(_SELU_SCALE * _SELU_ALPHA, x) * expm1_nonpositive(x)
    return where(x > 0, constant(_SELU_SCALE, x) * x, negative)


@activation("linear", aliases=("identity",), family="rectifiers", upcast_half=False,
            reference="Keras `keras.activations.linear`")
def linear(x):
    """Linear (identity) activation: ``linear(x) = x``.

    Args:
        x: input tensor (or anything convertible to one).

    Returns:
        ``x`` as a float tensor, unchanged.

    Reference: Keras ``keras.activations.linear``.

    >>> linear([-1, 2]).numpy()
    array([-1.,  2.], dtype=float32)
    """
    return x


@activation("relu", family="rectifiers", upcast_half=False,
            reference="Nair & Hinton 2010; TF 2 `tf.keras.activations.relu`")
def relu(x, alpha=None, max_value=None, threshold=0.0, *, negative_slope=None):
    """Rectified linear unit: ``max(x, 0)``, with TF 2's options.

    ``relu(x) = x if x > threshold else negative_slope * (x - threshold)``,
    then the positive part is clipped at ``max_value``. With the defaults this
    is ``max(x, 0)``.

    Args:
        x: input tensor.
        alpha: slope below the threshold (TF 2's name); default 0.
        max_value: upper bound of the output, or None for no bound.
        threshold: values at or below it are zeroed (or sloped).
        negative_slope: Keras 3's name for ``alpha``; pass one or the other.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Nair & Hinton (2010), "Rectified Linear Units Improve
    Restricted Boltzmann Machines"; TF 2 ``tf.keras.activations.relu``.

    >>> relu([-10., -5., 0., 5., 10.]).numpy()
    array([ 0.,  0.,  0.,  5., 10.], dtype=float32)
    >>> relu([-10., -5., 0., 5., 10.], alpha=0.5, max_value=5.).numpy()
    array([-5. , -2.5,  0. ,  5. ,  5. ], dtype=float32)
    >>> relu([-10., -5., 0., 5., 10.], threshold=5.).numpy()
    array([ 0.,  0.,  0.,  0., 10.], dtype=float32)
    """
    slope = _slope(alpha, negative_slope, 0.0)
    threshold = real_number(threshold, "threshold")
    if max_value is not None:
        max_value = real_number(max_value, "max_value", "non-negative")
    if threshold == 0 and slope == 0 and max_value is None:
        return tf.raw_ops.Relu(features=x)
    if threshold == 0 and slope == 0 and max_value == 6:
        return tf.raw_ops.Relu6(features=x)
    # `x <= t` false for NaN, so NaN passes through the positive branch.
    positive = where(x <= at_or_below(threshold, x), constant(0.0, x), x)
    if max_value is not None:
        positive = tf.clip_by_value(positive, constant(0.0, x), constant(max_value, x))
    if slope == 0:
        return positive
    below = negative_part_minus(x, threshold)
    return positive + constant(slope, x) * below


@activation("leaky_relu", aliases=("leakyrelu", "lrelu"), family="rectifiers", upcast_half=False,
            reference="Maas et al. 2013, 'Rectifier Nonlinearities Improve Neural Network Acoustic Models'")
def leaky_relu(x, negative_slope=0.2, *, alpha=None):
    """Leaky ReLU: ``x if x > 0 else negative_slope * x``.

    Args:
        x: input tensor.
        negative_slope: slope for negative inputs (Keras 3 default 0.2).
        alpha: TF 2's name for ``negative_slope``.

    Returns:
        A tensor of ``x``'s shape and float dtype. The slope is exact in
        float64 (Keras rounds it through float32).

    Reference: Maas, Hannun & Ng (2013), "Rectifier Nonlinearities Improve
    Neural Network Acoustic Models".

    >>> leaky_relu([-10., 0., 5.]).numpy()
    array([-2.,  0.,  5.], dtype=float32)
    """
    if alpha is not None and negative_slope == 0.2:  # TF 2 spelling, default slope untouched
        negative_slope = None
    return _leaky(x, _slope(alpha, negative_slope, 0.2))


def _leaky(x, slope: float):
    """``x if x > 0 else slope * x``: float64 exactly (TensorFlow's kernel takes the
    slope as a float32), otherwise TensorFlow's kernel, with its gradient from the
    output where the slope keeps the sign."""
    if is_float64(x):
        return where(x > 0, x, x * constant(slope, x))
    if slope > 0:
        return _leaky_relu_from_output(x, slope)
    return tf.raw_ops.LeakyRelu(features=x, alpha=slope)


@activation("elu", family="rectifiers",
            reference="Clevert et al. 2016, arXiv:1511.07289")
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``.

    Computed with ``expm1``, so small negative inputs keep full precision.

    Args:
        x: input tensor.
        alpha: the value the output tends to as ``x -> -inf`` is ``-alpha``.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Clevert, Unterthiner & Hochreiter (2016), "Fast and Accurate
    Deep Network Learning by Exponential Linear Units (ELUs)", arXiv:1511.07289.

    >>> elu([-1e-7, -1., 2.]).numpy()
    array([-9.9999994e-08, -6.3212055e-01,  2.0000000e+00], dtype=float32)
    """
    if real_number(alpha, "alpha") == 1 and not is_float64(x):
        return _unit_elu(x)
    negative = constant(alpha, x) * expm1_nonpositive(tf.minimum(x, constant(0.0, x)))
    return where(x > 0, x, negative)


@activation("selu", family="rectifiers",
            reference="Klambauer et al. 2017, arXiv:1706.02515")
def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalizing constants.

    ``alpha = 1.6732632423543772`` and ``scale = 1.0507009873554805``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Klambauer et al. (2017), "Self-Normalizing Neural Networks",
    arXiv:1706.02515.

    >>> selu([-1., 0., 1.]).numpy()
    array([-1.1113307,  0.       ,  1.050701 ], dtype=float32)
    """
    if not is_float64(x):
        return _selu_float32(x)
    negative = constant(_SELU_ALPHA, x) * expm1_nonpositive(tf.minimum(x, constant(0.0, x)))
    return constant(_SELU_SCALE, x) * where(x > 0, x, negative)


@activation("squared_relu", aliases=("relu_squared", "relu2"), family="rectifiers",
            reference="So et al. 2021, 'Primer', arXiv:2109.08668")
def squared_relu(x):
    """Squared ReLU: ``max(x, 0) ** 2``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: So et al. (2021), "Primer: Searching for Efficient
    Transformers for Language Modeling", arXiv:2109.08668.

    >>> squared_relu([-2., 0.5, 3.]).numpy()
    array([0.  , 0.25, 9.  ], dtype=float32)
    """
    return _squared_relu(x)


# squared_relu'(x) = 2 max(x, 0) = 2 sqrt(y): from the output, which the next layer keeps
# anyway (TensorFlow's gradient of the square keeps relu(x) too), within 1 ULP. Where y
# overflowed to inf, the gradient is inf too (the output already carries no information).
@gradient_from_output(lambda dy, y: dy * (2 * sqrt_nonnegative(y)))
def _squared_relu(x):
    return tf.square(tf.nn.relu(x))


@activation("relu6", family="rectifiers", upcast_half=False,
            reference="Krizhevsky 2010, 'Convolutional Deep Belief Networks on CIFAR-10'")
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype, in [0, 6].

    Reference: Krizhevsky (2010), "Convolutional Deep Belief Networks on
    CIFAR-10"; Keras ``keras.activations.relu6``.

    >>> relu6([-1., 3., 9.]).numpy()
    array([0., 3., 6.], dtype=float32)
    """
    return tf.raw_ops.Relu6(features=x)


@activation("celu", family="rectifiers", reference="Barron 2017, arXiv:1704.07483")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x if x > 0 else alpha * (exp(x / alpha) - 1)``.

    The derivative is 1 at 0 from both sides (Keras 3.15 gives 2 there).

    Args:
        x: input tensor.
        alpha: a non-zero scale; the output tends to ``-alpha`` at ``-inf``.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Barron (2017), "Continuously Differentiable Exponential Linear
    Units", arXiv:1704.07483.

    >>> celu([-2., 0., 2.], alpha=2.).numpy()
    array([-1.2642411,  0.       ,  2.       ], dtype=float32)
    """
    alpha = real_number(alpha, "alpha", "non-zero")
    if alpha > 0 and not is_float64(x):
        return _celu_float32(x, alpha)
    a = constant(alpha, x)
    # with alpha < 0, x / alpha >= 0 where x <= 0: outside expm1_nonpositive's domain
    expm1 = expm1_nonpositive if alpha > 0 else tf.math.expm1
    return where(x > 0, x, a * expm1(tf.minimum(x, constant(0.0, x)) / a))


@activation("threshold", family="rectifiers", upcast_half=False,
            reference="PyTorch `torch.nn.Threshold`; Keras `keras.activations.threshold`")
def threshold(x, threshold=0.0, default_value=0.0):
    """Threshold: ``x if x > threshold else default_value``.

    Keras requires both arguments; here they default to 0 (a ReLU), so the
    bare name works as a string. NaN passes through (Keras gives
    ``default_value``).

    Args:
        x: input tensor.
        threshold: values at or below it are replaced.
        default_value: the replacement.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Raises:
        TypeError: ``threshold`` or ``default_value`` is not a number.

    Reference: PyTorch ``torch.nn.Threshold``; Keras ``keras.activations.threshold``.

    >>> threshold([-1., 0.5, 2.], threshold=1., default_value=-5.).numpy()
    array([-5., -5.,  2.], dtype=float32)
    """
    threshold = real_number(threshold, "threshold")
    default_value = real_number(default_value, "default_value", allow_nan=True)  # NaN: a marker
    # From the output when no replacement (as stored in x's dtype) lies above the threshold
    replaced = _threshold_from_output if rounded(default_value, x) <= threshold else _threshold_from_input
    return replaced(x, threshold, default_value)


def _threshold_formula(x, threshold, default_value):
    return where(x <= at_or_below(threshold, x), constant(default_value, x), x)


def _passed(dy, kept, threshold, _):
    return where(kept <= at_or_below(threshold, kept), constant(0.0, dy), dy)


# Slope 1 above the threshold, 0 at or below. With the replacement at or below the
# threshold, the output is above it exactly where the input is (NaN neither): the
# gradient reads the output, which the next layer keeps. Autodiff of the select took
# two passes more in `tf.function` (forward+backward 1.45-1.55x this time, side by side).
_threshold_from_output = gradient_from_output(_passed)(_threshold_formula)
_threshold_from_input = gradient_from_input(_passed)(_threshold_formula)


@activation("rrelu", family="rectifiers", upcast_half=False,
            reference="Xu et al. 2015, arXiv:1505.00853")
def rrelu(x, lower=1.0 / 8, upper=1.0 / 3, training=False, seed=None):
    """Randomized leaky ReLU: ``x if x >= 0 else a * x``.

    In training, ``a`` is drawn uniformly from ``[lower, upper]`` for every
    element; at inference it is the mean ``(lower + upper) / 2``.

    Args:
        x: input tensor.
        lower: lower bound of the slope.
        upper: upper bound of the slope (``>= lower``).
        training: draw random slopes (True) or use the mean (False).
        seed: an int or ``keras.random.SeedGenerator`` for reproducible slopes.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Xu, Wang, Chen & Li (2015), "Empirical Evaluation of Rectified
    Activations in Convolutional Network", arXiv:1505.00853.

    >>> rrelu([-48., 3.]).numpy()
    array([-11.,   3.], dtype=float32)
    """
    lower, upper = real_number(lower, "lower"), real_number(upper, "upper")
    if not 0 <= lower <= upper:
        raise ValueError(f"`lower` and `upper` must satisfy 0 <= lower <= upper, got {lower!r}, {upper!r}")
    if not training:  # leaky ReLU with the mean slope
        return _leaky(x, (lower + upper) / 2)
    slope = keras.random.uniform(tf.shape(x), lower, upper, dtype=x.dtype.name, seed=seed)
    return where(x < 0, slope * x, x)


@activation("sine_relu", aliases=("sinerelu",), family="rectifiers",
            reference="Rodrigues 2018, 'SineReLU: An Alternative to the ReLU Activation Function'")
def sine_relu(x, epsilon=0.0025):
    """SineReLU: ``x if x > 0 else epsilon * (sin(x) - cos(x))``.

    Args:
        x: input tensor.
        epsilon: amplitude of the negative part.

    Returns:
        A tensor of ``x``'s shape and float dtype; NaN at ``-inf``, where
        the oscillation has no limit.

    Reference: Rodrigues (2018), "SineReLU — An Alternative to the ReLU
    Activation Function"; TensorFlow Addons ``tfa.activations`` lists it.

    >>> sine_relu([-1., 2.], epsilon=0.5).numpy()
    array([-0.6908866,  2.       ], dtype=float32)
    """
    return _sine_relu(x, real_number(epsilon, "epsilon"))


def _sine_relu_wave(x, epsilon, eighths, sine):
    """``epsilon (sin(x) + eighths cos(x))`` for ``x <= 0`` (min(x, 0) elsewhere), in
    x's dtype: float32 from float64's sin and cos (the sum cancels near its zeros), or
    inside XLA as ``epsilon sqrt(2) sin(x + eighths pi / 4)`` from
    :func:`with_float32_sine`'s ``sine`` (float64's sin is slow there); float64 as
    that too, from :func:`sin_float64`."""
    wide = as_float64(tf.minimum(x, constant(0.0, x)))
    if x.dtype == tf.float64:  # nothing wider: the shifted sine, reduced in parts
        sine = sin_float64
    if sine is not None:
        if math.isinf(rounded(epsilon * math.sqrt(2), x)):  # the product can be finite
            return constant(epsilon, x) * (constant(math.sqrt(2), x) * sine(wide, eighths))
        return constant(epsilon * math.sqrt(2), x) * sine(wide, eighths)
    sin, cos = tf.math.sin(wide), tf.math.cos(wide)
    wave = constant(epsilon, wide) * (sin + cos if eighths > 0 else sin - cos)
    return tf.cast(wave, x.dtype)


def _sine_relu_gradient(dy, x, epsilon):
    """dy above 0, dy epsilon (cos x + sin x) from 0 down."""
    return with_float32_sine(
        x, lambda sine: dy * where(x > 0, constant(1.0, x), _sine_relu_wave(x, epsilon, 1, sine)))


@gradient_from_input(_sine_relu_gradient)
def _sine_relu(x, epsilon):
    return with_float32_sine(x, lambda sine: where(x > 0, x, _sine_relu_wave(x, epsilon, -1, sine)))
