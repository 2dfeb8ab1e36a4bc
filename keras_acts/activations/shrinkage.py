"""Shrinkage functions: zero (or small) near the origin, identity-like away from it."""

from __future__ import annotations

import tensorflow as tf

from keras_acts.activations._base import (
    activation,
    at_or_below,
    positive_part_minus,
    rounded,
    constant,
    gradient_from_input,
    gradient_from_output,
    in_xla_context,
    is_float64,
    polynomial,
    real_number,
    where,
)

# Taylor coefficients of x - tanh(x) = sum_k c_k x^(2k+1), k = 1..10 (tanh's series).
_TANH_SHRINK_SERIES = (
    1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925, -21844 / 6081075,
    929569 / 638512875, -6404582 / 10854718875, 443861162 / 1856156927625,
    -18888466084 / 194896477400625,
)
# Below this |x|, x - tanh(x) cancels badly; the series converges fast there.
_SERIES_BELOW = 0.2
# float32 inside XLA: x - tanh(x) = x^3 N(t) / D(t), t = x^2, for |x| < 9, a rational
# function fitted by tools/fit_tanh_shrink.py (8.7e-9 relative, 4.3 ULP evaluated in
# float32; nothing cancels), and from 9 on x - sign(x) (tanh(x) is 1 in float32). One
# division and seven multiply-adds: no tanh, and no second formula for |x| < 1.
_TANH_SHRINK_NUMERATOR = (0.33333333043468916, 0.02255061671154474, 0.0003166976781696301,
                          8.166717303340413e-07)
_TANH_SHRINK_DENOMINATOR = (1.0, 0.4676517921023302, 0.02610611598454945, 0.0003382700711043648,
                            8.313091299212703e-07)
_RATIONAL_BELOW = 9.0


def _tanh_squared_gradient(dy, x):  # d/dx (x - tanh x) = tanh(x)^2, exactly
    # dy first: in a small graph, the gradient with respect to the input as
    # dy * (tanh * tanh) took 1.4x Keras's time (two small tensors: 229 against 163 µs a
    # step), this order or Grappler's arithmetic optimizer off 1.0x.
    tanh = tf.math.tanh(x)
    return (dy * tanh) * tanh


# Outside XLA (small tensors in a graph, where each op costs its dispatch), float32
# takes float64's x - tanh(x), which loses at most 3 2^-53 / x^2 relative, and below
# |x| = 2e-4 the series' first term x^3 / 3 (the next is 0.4 x^2 relative): both
# errors are then under 2e-8, and the whole within 0.7 ULP on a dense grid, in 9 ops
# (12 with two series terms below 0.01: each op of a small layer costs 2-3 µs in training).
_CUBE_BELOW_SQUARED = 4e-8


@gradient_from_input(_tanh_squared_gradient)
def _tanh_shrink_float32(x):
    if not in_xla_context():
        wide = tf.cast(x, tf.float64)
        square = wide * wide
        cube = wide * square * (1 / 3)
        return tf.cast(where(square < _CUBE_BELOW_SQUARED, cube, wide - tf.math.tanh(wide)), x.dtype)
    limit = constant(_RATIONAL_BELOW, x)
    t = tf.minimum(x * x, limit * limit)
    near = x * (t * (polynomial(_TANH_SHRINK_NUMERATOR, t) / polynomial(_TANH_SHRINK_DENOMINATOR, t)))
    return where(tf.abs(x) < limit, near, x - tf.clip_by_value(x, -1.0, 1.0))


def _check_threshold(threshold):
    real_number(threshold, "threshold", "non-negative")


@activation("hard_shrink", aliases=("hardshrink",), family="shrinkage", upcast_half=False,
            reference="PyTorch `torch.nn.Hardshrink`; Keras `keras.activations.hard_shrink`")
def hard_shrink(x, threshold=0.5):
    """Hard shrink: ``x if |x| > threshold else 0``; NaN stays NaN (Keras gives 0).

    Args:
        x: input tensor.
        threshold: non-negative half-width of the zeroed band.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: PyTorch ``torch.nn.Hardshrink``; Keras ``keras.activations.hard_shrink``.

    >>> hard_shrink([-1., -0.3, 0.4, 2.]).numpy()
    array([-1.,  0.,  0.,  2.], dtype=float32)
    """
    _check_threshold(threshold)
    if threshold == 0:
        return x  # the identity, gradient 1 at 0 included
    return _hard_shrink(x, float(threshold))


# Slope 1 where |x| > threshold > 0, that is where y != 0 (NaN included): from the output.
@gradient_from_output(lambda dy, y, threshold: where(tf.equal(y, 0), constant(0.0, dy), dy))
def _hard_shrink(x, threshold):
    return where(tf.abs(x) <= at_or_below(threshold, x), constant(0.0, x), x)


# Slope 1 where |x| > threshold, that is where y != 0: read from the output alone.
@gradient_from_output(lambda dy, y, threshold: tf.raw_ops.ReluGrad(gradients=dy, features=tf.abs(y)))
def _soft_shrink(x, threshold):
    if rounded(threshold, x) == threshold:  # 0.5, 1.0: exact, one clip and a subtraction
        t = constant(threshold, x)
        return x - tf.clip_by_value(x, -t, t)
    # max(|x| - threshold, 0) rounded once: 0 exactly where |x| is within the threshold
    # as given (the roundings are monotone), so the zeroed band is exact too
    return tf.math.sign(x) * positive_part_minus(tf.abs(x), threshold)


@activation("soft_shrink", aliases=("softshrink",), family="shrinkage", upcast_half=False,
            reference="Donoho 1995, 'De-noising by soft-thresholding'; PyTorch `torch.nn.Softshrink`")
def soft_shrink(x, threshold=0.5):
    """Soft shrink: ``sign(x) * max(|x| - threshold, 0)``; NaN stays NaN.

    Computed as ``x - clip(x, -threshold, threshold)``.

    Args:
        x: input tensor.
        threshold: non-negative half-width of the zeroed band.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Donoho (1995), "De-noising by soft-thresholding", IEEE Trans.
    Inf. Theory 41(3); PyTorch ``torch.nn.Softshrink``.

    >>> soft_shrink([-1., -0.3, 0.4, 2.]).numpy()
    array([-0.5,  0. ,  0. ,  1.5], dtype=float32)
    """
    _check_threshold(threshold)
    return _soft_shrink(x, float(threshold))


@activation("tanh_shrink", aliases=("tanhshrink",), family="shrinkage",
            reference="PyTorch `torch.nn.Tanhshrink`; Keras `keras.activations.tanh_shrink`")
def tanh_shrink(x):
    """Tanh shrink: ``x - tanh(x)``, accurate near 0 where it is ``x^3 / 3``.

    Near 0 the subtraction cancels almost every digit, so there float64 uses
    the Taylor series. float32 (which also computes float16 and bfloat16) takes
    ``x^3 N(x^2) / D(x^2)``, a fitted rational function in which nothing cancels,
    inside XLA, and elsewhere float64's subtraction, with ``x^3 / 3`` near 0.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: PyTorch ``torch.nn.Tanhshrink``; Keras ``keras.activations.tanh_shrink``.

    >>> tanh_shrink([-2., 1e-3, 1.]).numpy()
    array([-1.0359725e+00,  3.3333325e-10,  2.3840585e-01], dtype=float32)
    """
    if not is_float64(x):  # float32, or a half type computed in float32
        return _tanh_shrink_float32(x)
    small = tf.abs(x) < _SERIES_BELOW
    x_small = where(small, x, constant(0.0, x))
    x2 = x_small * x_small
    series = polynomial(_TANH_SHRINK_SERIES, x2)
    return where(small, series * x2 * x_small, x - tf.math.tanh(x))
