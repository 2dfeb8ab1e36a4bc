"""Smooth activations: softplus, the self-gated family (GELU, mish, ...), snake."""

from __future__ import annotations

import math

import tensorflow as tf

from keras_acts.activations._base import activation, constant

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# Beyond |x| = 1e4 the GELU gate is exactly 0 or 1 in every dtype; clamping
# there keeps x**3 finite, so no inf * 0 reaches the gradient.
_GATE_CLAMP = 1e4


@activation("softplus", family="smooth",
            reference="Dugas et al. 2001, 'Incorporating Second-Order Functional Knowledge'")
def softplus(x):
    """Softplus: ``log(1 + exp(x))``, a smooth ReLU.

    Computed as ``max(x, 0) + log1p(exp(-|x|))`` (TensorFlow's kernel), so it
    neither overflows for large ``x`` nor loses ``exp(x)`` for very negative ``x``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Dugas et al. (2001), "Incorporating Second-Order Functional
    Knowledge for Better Option Pricing".

    >>> softplus([-20., 0., 20.]).numpy()
    array([2.0611537e-09, 6.9314718e-01, 2.0000000e+01], dtype=float32)
    """
    return tf.math.softplus(x)


@activation("exponential", aliases=("exp",), family="smooth",
            reference="Keras `keras.activations.exponential`")
def exponential(x):
    """Exponential: ``exp(x)``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Keras ``keras.activations.exponential``.

    >>> exponential([0., 1.]).numpy()
    array([1.       , 2.7182817], dtype=float32)
    """
    return tf.math.exp(x)


@activation("mish", family="smooth", reference="Misra 2019, arXiv:1908.08681")
def mish(x):
    """Mish: ``x * tanh(softplus(x))``; 0 at ``-inf`` (Keras gives NaN).

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Misra (2019), "Mish: A Self Regularized Non-Monotonic
    Activation Function", arXiv:1908.08681.

    >>> mish([-1., 0., 1., -float("inf")]).numpy()
    array([-0.3034015,  0.       ,  0.8650984,  0.       ], dtype=float32)
    """
    # multiply_no_nan: -inf * 0 is 0 (the limit), while NaN * NaN stays NaN.
    return tf.math.multiply_no_nan(x, tf.math.tanh(tf.math.softplus(x)))


@activation("lisht", family="smooth", reference="Roy et al. 2019, arXiv:1901.05894")
def lisht(x):
    """LiSHT, linearly scaled hyperbolic tangent: ``x * tanh(x)``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype; even, non-negative.

    Reference: Roy, Manna, Dubey & Chaudhuri (2019), "LiSHT: Non-Parametric
    Linearly Scaled Hyperbolic Tangent Activation Function for Neural
    Networks", arXiv:1901.05894.

    >>> lisht([-2., 0., 1.]).numpy()
    array([1.9280552, 0.       , 0.7615942], dtype=float32)
    """
    return x * tf.math.tanh(x)


@activation("gelu_tanh", aliases=("gelu_approximate", "approximate_gelu", "gelu_new"),
            family="smooth", reference="Hendrycks & Gimpel 2016, arXiv:1606.08415")
def gelu_tanh(x):
    """GELU, tanh approximation: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Computed as ``x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))``, the same
    function without the cancellation of ``1 + tanh`` for negative ``x``, and
    with the gate's input clamped so that ``x^3`` cannot overflow.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Hendrycks & Gimpel (2016), "Gaussian Error Linear Units
    (GELUs)", arXiv:1606.08415.

    >>> gelu_tanh([-1., 0., 1.]).numpy()
    array([-0.158808,  0.      ,  0.841192], dtype=float32)
    """
    z = tf.clip_by_value(x, constant(-_GATE_CLAMP, x), constant(_GATE_CLAMP, x))
    gate = tf.math.sigmoid(constant(2 * _SQRT_2_OVER_PI, x) * z * (1 + constant(0.044715, x) * z * z))
    return tf.math.multiply_no_nan(x, gate)


@activation("quick_gelu", family="smooth",
            reference="Hendrycks & Gimpel 2016, arXiv:1606.08415 (sigmoid approximation); OpenAI CLIP")
def quick_gelu(x):
    """Quick GELU: ``x * sigmoid(1.702 x)``, the sigmoid approximation of GELU.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype; 0 at ``-inf``.

    Reference: Hendrycks & Gimpel (2016), "Gaussian Error Linear Units
    (GELUs)", arXiv:1606.08415, section 2; used by OpenAI's CLIP.

    >>> quick_gelu([-1., 0., 1.]).numpy()
    array([-0.15420423,  0.        ,  0.84579575], dtype=float32)
    """
    return tf.math.multiply_no_nan(x, tf.math.sigmoid(constant(1.702, x) * x))


@activation("snake", family="smooth", reference="Liu et al. 2020, arXiv:2006.08195")
def snake(x, frequency=1.0):
    """Snake: ``x + sin(a x)^2 / a`` with frequency ``a > 0``.

    Args:
        x: input tensor.
        frequency: ``a``, a positive number.

    Returns:
        A tensor of ``x``'s shape and float dtype; ``±inf`` at ``±inf``.

    Reference: Liu, Ziyin, Ueda (2020), "Neural Networks Fail to Learn
    Periodic Functions and How to Fix It", arXiv:2006.08195.

    >>> snake([-1., 0., 1.]).numpy()
    array([-0.29192662,  0.        ,  1.7080734 ], dtype=float32)
    """
    if not isinstance(frequency, (int, float)) or not frequency > 0:
        raise ValueError(f"`frequency` must be a positive number, got {frequency!r}")
    a = constant(frequency, x)
    # sin(inf) is NaN, but the periodic term is bounded: feed it 0 at ±inf.
    finite = tf.where(tf.math.is_inf(x), tf.zeros_like(x), x)
    return x + tf.square(tf.math.sin(a * finite)) / a
