"""Learnable activations, each written on :class:`ParametricActivation`."""

from __future__ import annotations

import numpy as np
import keras
import tensorflow as tf

from keras_acts import registry
from keras_acts.activations._base import batch_sums, integer, where
from keras_acts.layers.base import AtLeast, ExactConstant, Parameter, ParametricActivation

register = keras.saving.register_keras_serializable(package=registry.PACKAGE)


@register
class PReLU(ParametricActivation):
    """Parametric ReLU: ``x if x > 0 else alpha * x`` with a learned ``alpha``.

    Args:
        alpha_initializer: default ``"zeros"``, as Keras (PyTorch uses 0.25:
            ``PReLU(per_channel=True, alpha_initializer=0.25)`` is PyTorch's
            ``nn.PReLU(num_parameters=C)``).
        alpha_regularizer, alpha_constraint: as Keras.
        shared_axes: as Keras, but negative axes count from the end (Keras
            3.15 shares the wrong axis) and dimensions unknown at build time
            are shared (Keras fails on them).
        per_channel: one ``alpha`` per channel (last axis).

    Reference: He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers",
    arXiv:1502.01852.

    >>> layer = PReLU(alpha_initializer=0.25)
    >>> layer(tf.constant([[-4.0, 2.0]])).numpy()
    array([[-1.,  2.]], dtype=float32)
    """

    parameters = (Parameter("alpha", "zeros"),)

    def formula(self, x, alpha):
        return where(x > 0, x, alpha * x)

    def formula_in_xla(self, x, alpha):
        # The same values for finite alpha. In one XLA program with the gradient (alpha's
        # a sum over the batch), 0.99-1.00x Keras's time against the select's 1.03-1.06x;
        # as this layer's own compiled kernel, its backward pass is slower (0.65-0.69x
        # Keras's against 0.52-0.57x): TensorFlow then keeps more of the forward's
        # intermediates. With one alpha per entry of a sample, alpha's gradient is a sum
        # over the batch that XLA would write its terms out for: _prelu_summed_over_batch.
        if x.shape.rank and x.shape.rank >= 2 and alpha.shape == x.shape[1:]:
            return _prelu_summed_over_batch(x, alpha)
        return _prelu(x, alpha)


def _prelu(x, alpha):
    return tf.nn.relu(x) + alpha * tf.minimum(x, tf.zeros((), x.dtype))


@tf.custom_gradient
def _prelu_summed_over_batch(x, alpha):
    """:func:`_prelu` with alpha's gradient (alpha shaped as a sample) summed over the
    batch by one vectorized XLA reduction (``batch_sums``): the backward pass at 2^22
    and 2^24, 0.84-0.85x the time of XLA's own gradient. The gradients are those of
    autodiff: at ``x = 0`` ``dy * alpha`` for ``x`` (``min``'s tie) and 0 for alpha.
    The value is written ``relu(x) - alpha * relu(-x)``, equal to :func:`_prelu`'s
    (``min(x, 0)`` is ``-relu(-x)``, NaN and infinities included): XLA:CPU's loop of
    that form runs at the copy's speed, 0.89-0.95x the time of ``min``'s (measured side
    by side at 2^22 and 2^24; a select took as long as ``min``)."""
    def gradient(dy):
        negative = tf.minimum(x, tf.zeros((), x.dtype))
        return where(x > 0, dy, alpha * dy), batch_sums(dy * negative)

    return tf.nn.relu(x) - alpha * tf.nn.relu(-x), gradient


@register
class Swish(ParametricActivation):
    """Swish with a learned slope: ``x * sigmoid(beta * x)``, ``beta`` per channel, 1 at first.

    Reference: Ramachandran, Zoph & Le (2017), "Searching for Activation
    Functions", arXiv:1710.05941.

    >>> Swish()(tf.constant([[-1.0, 0.0, 1.0]])).numpy()
    array([[-0.26894143,  0.        ,  0.7310586 ]], dtype=float32)
    """

    parameters = (Parameter("beta", 1.0),)
    default_sharing = "channel"

    def formula(self, x, beta):
        return tf.math.multiply_no_nan(x, tf.math.sigmoid(beta * x))


@register
class PELU(ParametricActivation):
    """Parametric ELU: ``(a / b) x if x >= 0 else a (exp(x / b) - 1)``, per channel.

    ``a`` and ``b`` start at 1 and are kept at or above 0.1, as in the paper.

    Reference: Trottier, Giguère & Chaib-draa (2017), "Parametric Exponential
    Linear Unit for Deep Convolutional Neural Networks", arXiv:1605.09332.

    >>> PELU()(tf.constant([[-1.0, 2.0]])).numpy()
    array([[-0.63212055,  2.        ]], dtype=float32)
    """

    parameters = (Parameter("a", 1.0, constraint=AtLeast(0.1)),
                  Parameter("b", 1.0, constraint=AtLeast(0.1)))
    default_sharing = "channel"

    def formula(self, x, a, b):
        negative = a * tf.math.expm1(tf.minimum(x, 0.0) / b)
        return where(x >= 0, (a / b) * x, negative)


@register
class SReLU(ParametricActivation):
    """S-shaped ReLU: linear with slope ``a_r`` above ``t_r``, ``a_l`` below ``t_l``, identity between.

    ``f(x) = t_r + a_r (x - t_r)`` for ``x >= t_r``; ``x`` for ``t_l < x < t_r``;
    ``t_l + a_l (x - t_l)`` for ``x <= t_l``. Starts as a leaky ReLU
    (``t_l = 0, a_l = 0.2, t_r = 1, a_r = 1``).

    Reference: Jin et al. (2016), "Deep Learning with S-shaped Rectified
    Linear Activation Units", AAAI, arXiv:1512.07030.

    >>> SReLU()(tf.constant([[-1.0, 0.5, 3.0]])).numpy()
    array([[-0.2,  0.5,  3. ]], dtype=float32)
    """

    parameters = (Parameter("t_left", 0.0), Parameter("a_left", 0.2),
                  Parameter("t_right", 1.0), Parameter("a_right", 1.0))
    default_sharing = "channel"

    def formula(self, x, t_left, a_left, t_right, a_right):
        above = t_right + a_right * (x - t_right)
        below = t_left + a_left * (x - t_left)
        return where(x >= t_right, above, where(x <= t_left, below, x))


@register
class APL(ParametricActivation):
    """Adaptive piecewise linear unit: ``max(0, x) + sum_s a_s max(0, b_s - x)``.

    Args:
        hinges: the number of hinges ``S`` (default 2).
        a_initializer, b_initializer, ...: the hinges' slopes (0.1) and
            positions (uniform in [-1, 1]).

    Reference: Agostinelli, Hoffman, Sadowski & Baldi (2015), "Learning
    Activation Functions to Improve Deep Neural Networks", arXiv:1412.6830.

    >>> layer = APL(hinges=1, b_initializer=0.0)
    >>> layer(tf.constant([[-2.0, 3.0]])).numpy()
    array([[0.2, 3. ]], dtype=float32)
    """

    parameters = (Parameter("a", 0.1, leading=("hinges",)),
                  Parameter("b", keras.initializers.RandomUniform(-1.0, 1.0),
                            leading=("hinges",)))
    default_sharing = "channel"

    def __init__(self, hinges=2, **kwargs):
        hinges = integer(hinges, "hinges", 1)
        self.hinges = hinges
        super().__init__(**kwargs)

    def formula(self, x, a, b):
        # a, b: (hinges, *parameter_shape); a batch axis after the hinges lines them up with x.
        a, b = a[:, None], b[:, None]
        return tf.nn.relu(x) + tf.reduce_sum(a * tf.nn.relu(b - x[None]), axis=0)

    def get_config(self):
        return {**super().get_config(), "hinges": self.hinges}


def _fit_rational(numerator, denominator, negative_slope=0.01):
    """Least-squares coefficients of P/Q ~ leaky_relu on [-3, 3], Q = 1 + sum |b_k| |x|^k."""
    x = np.linspace(-3.0, 3.0, 2001)
    target = np.where(x > 0, x, negative_slope * x)
    powers = np.arange(numerator + 1)
    design = np.concatenate(
        [x[:, None] ** powers, -target[:, None] * np.abs(x)[:, None] ** np.arange(1, denominator + 1)],
        axis=1,
    )
    coefficients = np.linalg.lstsq(design, target, rcond=None)[0]
    return coefficients[: numerator + 1].tolist(), np.abs(coefficients[numerator + 1:]).tolist()


def _horner(coefficients, t):
    result = tf.zeros_like(t) + coefficients[-1]
    for k in range(coefficients.shape[0] - 2, -1, -1):
        result = result * t + coefficients[k]
    return result


@register
class Rational(ParametricActivation):
    """Padé activation unit: ``P(x) / Q(x)``, learned numerator and denominator.

    ``P(x) = sum_{j<=m} a_j x^j`` and ``Q(x) = 1 + sum_{1<=k<=n} |b_k| |x|^k``
    (the "safe" PAU: ``Q >= 1``, it cannot reach zero). The coefficients are
    shared by the whole layer and start as a least-squares fit of
    ``leaky_relu(x, 0.01)`` on [-3, 3]. For ``|x| > 1`` both polynomials are
    evaluated in ``1 / x``, so large inputs do not overflow.

    Args:
        degrees: ``(m, n)``, the degrees of P and Q (default (5, 4)); m >= 1, n >= 0.

    Reference: Molina, Schramowski & Kersting (2020), "Padé Activation Units:
    End-to-end Learning of Flexible Activation Functions in Deep Networks",
    ICLR, arXiv:1907.06732.

    >>> layer = Rational()
    >>> np.round(layer(tf.constant([[-2.0, 0.0, 2.0]])).numpy(), 2)
    array([[-0.02,  0.06,  2.  ]], dtype=float32)
    """

    def __init__(self, degrees=(5, 4), **kwargs):
        if (not isinstance(degrees, (tuple, list)) or len(degrees) != 2
                or not all(isinstance(d, int) and not isinstance(d, bool) for d in degrees)
                or degrees[0] < 1 or degrees[1] < 0):
            raise ValueError(
                f"`degrees` must be (numerator, denominator) ints with numerator >= 1 and "
                f"denominator >= 0, got {degrees!r}"
            )
        self.degrees = tuple(degrees)
        a, b = _fit_rational(*self.degrees)
        self.parameters = (
            Parameter("numerator", ExactConstant(a), leading=(len(a),), scalar=True),
            Parameter("denominator", ExactConstant(b or [0.0]), leading=(max(len(b), 1),),
                      scalar=True),
        )
        super().__init__(**kwargs)

    def formula(self, x, numerator, denominator):
        m, n = self.degrees
        b = tf.abs(denominator[:n]) if n else tf.zeros([0], x.dtype)
        one = tf.ones([1], x.dtype)
        small = tf.abs(x) <= 1
        # |x| <= 1: the polynomials as written, on an input kept in [-1, 1].
        xs = tf.clip_by_value(x, -1.0, 1.0)
        near = _horner(numerator, xs) / _horner(tf.concat([one, b], 0), tf.abs(xs))
        # |x| > 1: P(x) / Q(x) = x^m / |x|^n * P~(1/x) / Q~(1/|x|), reversed coefficients.
        xl = where(small, tf.ones_like(x), x)
        t = 1.0 / xl
        far_p = _horner(tf.reverse(numerator, [0]), t)
        far_q = _horner(tf.reverse(tf.concat([one, b], 0), [0]), tf.abs(t))
        scale = tf.pow(tf.abs(xl), float(m - n)) * (tf.sign(xl) ** (m % 2))
        return where(small, near, scale * far_p / far_q)

    def get_config(self):
        return {**super().get_config(), "degrees": list(self.degrees)}


@register
class Snake(ParametricActivation):
    """Snake with learned frequency: ``x + sin(a x)^2 / a``, ``a`` per channel, 1 at first.

    ``a`` is kept at or above 1e-3 (the formula divides by it).

    Reference: Liu, Ziyin & Ueda (2020), "Neural Networks Fail to Learn
    Periodic Functions and How to Fix It", arXiv:2006.08195.

    >>> Snake()(tf.constant([[-1.0, 1.0]])).numpy()
    array([[-0.29192662,  1.7080734 ]], dtype=float32)
    """

    parameters = (Parameter("frequency", 1.0, constraint=AtLeast(1e-3)),)
    default_sharing = "channel"

    def formula(self, x, frequency):
        finite = where(tf.math.is_inf(x), tf.zeros_like(x), x)
        return x + tf.square(tf.math.sin(frequency * finite)) / frequency


@register
class TLU(ParametricActivation):
    """Thresholded linear unit: ``max(x, tau)`` with a learned ``tau`` per channel, 0 at first.

    Reference: Singh & Krishnan (2020), "Filter Response Normalization
    Layer", CVPR, arXiv:1911.09737.

    >>> TLU(tau_initializer=-1.0)(tf.constant([[-3.0, 2.0]])).numpy()
    array([[-1.,  2.]], dtype=float32)
    """

    fuse_from = None  # one TensorFlow kernel: nothing to fuse

    parameters = (Parameter("tau", 0.0),)
    default_sharing = "channel"

    def formula(self, x, tau):
        return tf.maximum(x, tau)


@register
class StarReLU(ParametricActivation):
    """StarReLU: ``s * relu(x)^2 + b``, scalar ``s`` (0.8944) and ``b`` (-0.4472).

    Reference: Yu et al. (2022), "MetaFormer Baselines for Vision",
    arXiv:2210.13452.

    >>> StarReLU()(tf.constant([[-1.0, 1.0]])).numpy()
    array([[-0.4472, 0.4472]], dtype=float32)
    """

    parameters = (Parameter("scale", 0.8944, scalar=True), Parameter("bias", -0.4472, scalar=True))

    def formula(self, x, scale, bias):
        return scale * tf.square(tf.nn.relu(x)) + bias


@register
class ACON(ParametricActivation):
    """ACON-C: ``(p1 - p2) x * sigmoid(beta (p1 - p2) x) + p2 x``, per channel.

    Starts at ``p1 = 1, p2 = 0.25, beta = 1``.

    Reference: Ma, Zhang, Liu, Zhang & Sun (2021), "Activate or Not:
    Learning Customized Activation", CVPR, arXiv:2009.04759.

    >>> ACON(p2_initializer=0.0)(tf.constant([[-1.0, 1.0]])).numpy()
    array([[-0.26894143,  0.7310586 ]], dtype=float32)
    """

    parameters = (Parameter("p1", 1.0), Parameter("p2", 0.25), Parameter("beta", 1.0))
    default_sharing = "channel"

    def formula(self, x, p1, p2, beta):
        d = (p1 - p2) * x
        return tf.math.multiply_no_nan(d, tf.math.sigmoid(beta * d)) + p2 * x


@register
class DyT(ParametricActivation):
    """Dynamic tanh: ``gamma * tanh(alpha * x) + beta``; scalar ``alpha`` (0.5), per-channel ``gamma``, ``beta``.

    Reference: Zhu, Chen, He, LeCun & Liu (2025), "Transformers without
    Normalization", arXiv:2503.10622.

    >>> DyT()(tf.constant([[-2.0, 0.0, 2.0]])).numpy()
    array([[-0.7615942,  0.       ,  0.7615942]], dtype=float32)
    """

    parameters = (Parameter("alpha", 0.5, scalar=True), Parameter("gamma", 1.0), Parameter("beta", 0.0))
    default_sharing = "channel"

    def formula(self, x, alpha, gamma, beta):
        return gamma * tf.math.tanh(alpha * x) + beta
