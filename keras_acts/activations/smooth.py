"""Smooth activations: softplus, the self-gated family (GELU, mish, ...), snake."""

from __future__ import annotations

import math

import tensorflow as tf

from keras_acts.activations._base import (
    activation,
    as_float64,
    constant,
    expm1_nonpositive,
    gradient_from_input,
    gradient_from_output,
    in_xla_context,
    is_float64,
    polynomial,
    boolean,
    SMALLEST_NORMAL,
    real_number,
    softplus_kernel,
    softplus_of_exp,
    sqrt_nonnegative,
    where,
    with_derivative,
)
from keras_acts.activations._trig import with_float32_sine

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
# Beyond |x| = 1e4 the GELU gate is exactly 0 or 1 in every dtype; clamping
# there keeps x**3 finite, so no inf * 0 reaches the gradient.
_GATE_CLAMP = 1e4


def _gate_input(t):
    """``t`` clipped to where the self-gates (sigmoid, tanh∘softplus, erf∘softplus,
    Phi) are already exactly 0 below and exactly 1 above, in ``t``'s dtype.

    Softplus-based gates need it in the forward pass (TensorFlow's softplus is
    NaN at float64's largest value); the derivatives use it so that ``x`` times
    a term that is exactly 0 there is never ``inf * 0``.
    """
    below = 750.0 if is_float64(t) else 110.0  # exp(-below) underflows to 0
    return tf.clip_by_value(t, constant(-below, t), constant(40.0, t))


# Self-gated functions x * gate(x): the forward pass computes the gate in float64
# where float32 rounding of its argument would be amplified in the tail; their
# derivatives (with_derivative) need no such care and are computed in x's dtype,
# from x alone, in the backward pass. Gates of sigmoid and erfc need no clipping in
# the forward pass: exactly 0 at -inf (_self_gated then gives the limit 0) and 1
# at +inf; softplus does (TensorFlow's is NaN at float64's largest value), and the
# derivatives do, where x * (something exactly 0) would be inf * 0.


def _self_gated(x, gate):
    """``x * gate`` for a gate in [0, 1] that is exactly 0 at ``x = -inf``: there the
    limit 0 (the lowest finite value times 0), and NaN stays NaN (maximum keeps it).

    Not ``multiply_no_nan``, which reads the gate twice (a comparison and the
    product): XLA then writes a costly gate to memory instead of computing it
    twice, one more pass (mish's forward took 1.6x as long)."""
    return tf.maximum(x, constant(x.dtype.min, x)) * gate


def _sigmoid_input(t):
    """``t`` clipped to where sigmoid(t) is already exactly 0 or 1 in ``t``'s dtype, so
    that ``t`` times a term that vanishes there (``1 - sigmoid(t)``, ``sigmoid(t)``) is
    0, never inf * 0."""
    limit = 750.0 if is_float64(t) else 110.0
    return tf.clip_by_value(t, constant(-limit, t), constant(limit, t))


def _sigmoid_gated_derivative(x, a):
    """d/dx x sigmoid(a x) = g (1 + z (1 - g)), z = a x, g = sigmoid(z).

    One sigmoid: where 1 - g loses digits (z >> 1), z (1 - g) is a small term
    beside 1, and its error a few ULP of the derivative.
    """
    z = _sigmoid_input(x if a == 1 else constant(a, x) * x)
    g = tf.math.sigmoid(z)
    return g * (constant(1.0, x) + z * (constant(1.0, x) - g))


@with_derivative(lambda x: _sigmoid_gated_derivative(x, 1.0))
def _unit_silu(x):
    # A sigmoid gate with slope 1 is exact enough in x's dtype. Not tf.nn.silu: in a
    # graph on CPU, Grappler rewrites its x * sigmoid(x) into oneDNN's _MklSwish, slow
    # on small batches; _self_gated's product has other inputs.
    return _self_gated(x, tf.math.sigmoid(x))


def _halves(x):
    """float32 ``x`` as ``head + tail`` exactly, each of at most 12 significant bits,
    so that the product of two such halves is exact in float32."""
    head = tf.bitcast(tf.bitwise.bitwise_and(tf.bitcast(x, tf.int32), -(1 << 12)), x.dtype)
    return head, x - head


def _constant_halves(a: float) -> tuple[float, float]:
    """``a`` as ``hi + lo``, ``hi`` of 12 significant bits (``lo`` to float64's precision)."""
    mantissa, exponent = math.frexp(a)
    hi = math.ldexp(round(mantissa * 4096), exponent - 12)
    return hi, a - hi


def _sigmoid_gate_in_xla(x, a):
    """float32 ``sigmoid(a x)`` to a few ULP, for ``a != 0``, with no float64.

    In the tail (``a x << 0``) the gate is ``exp(a x)``, whose relative error is
    ``|a x|`` times that of ``a x``: rounded in float32, 17 ULP at ``a x = -17``.
    Here ``a x = hi + lo`` exactly enough (``a`` and ``x`` cut into 12-bit halves,
    whose products are exact, then Dekker's sum), and ``e = exp(-|hi|) (1 + lo)``
    is ``exp(-|a x|)`` below 0. Above, where ``exp(-|a x|)`` wants ``1 - lo``, the
    gate ``1 / (1 + e)`` is at least 1/2 and ``lo``'s sign moves it by at most
    ``2 |lo| e / (1 + e)^2``: half an ULP (without the sign the formula took 0.86x the
    time). Inside XLA at 2^24: 1.5-1.9x the copy's time, the float64 form 2.1-3.8x."""
    limit = min(110.0 / abs(a), float(x.dtype.max))  # sigmoid is 0 or 1 in float32 beyond |a x| = 110
    return _sigmoid_of_sum(*_product_parts(x, a, -limit, limit))


def _product_parts(x, a, low, high):
    """float32 ``a x`` as ``hi + lo`` exactly enough (``lo`` within half an ULP of
    ``hi``), for ``x`` clipped to ``[low, high]``: ``a`` and ``x`` cut into 12-bit
    halves, whose products are exact, then Dekker's sum."""
    xc = tf.clip_by_value(x, constant(low, x), constant(high, x))
    head, tail = _halves(xc)
    a_hi, a_lo = _constant_halves(a)
    big = constant(a_hi, x) * head  # exact
    cross = constant(a_hi, x) * tail + constant(a_lo, x) * xc  # |cross| <= |big|
    hi = big + cross
    return hi, cross - (hi - big)


def _sigmoid_of_sum(hi, lo):
    """float32 ``sigmoid(hi + lo)`` for ``|lo|`` at most half an ULP of ``hi``
    (:func:`_sigmoid_gate_in_xla` says why the sign of ``lo`` is left out)."""
    e = tf.math.exp(-tf.abs(hi)) * (1 + lo)
    # e / (1 + e) below 0, 1 / (1 + e) above: one quotient, which XLA computes where
    # it is used (used twice, as sigmoid(-|a x|) and 1 minus it, it was written out)
    return where(hi < 0, e, constant(1.0, hi)) / (1 + e)


def _gated_with_slope(x, gate, a):
    """``x * sigmoid(a x)`` from its gate: :func:`_self_gated` for ``a > 0``; for
    ``a < 0`` the gate is 0 at ``+inf`` instead, where the limit is 0."""
    if a > 0:
        return _self_gated(x, gate)
    return tf.minimum(x, constant(x.dtype.max, x)) * gate


@with_derivative(_sigmoid_gated_derivative)
def _sigmoid_gated(x, a):
    if not is_float64(x) and in_xla_context():
        return _gated_with_slope(x, _sigmoid_gate_in_xla(x, a), a)
    wide = as_float64(x)  # a x rounded in float32 would be amplified in the gate's tail
    gate = tf.math.sigmoid(constant(a, wide) * wide)
    return tf.cast(_gated_with_slope(wide, gate, a), x.dtype)  # see _gelu_erfc


# erfc(z) = exp(-z^2) R(z) for z >= 0, R = P / Q fitted to exp(z^2) erfc(z) on [0, 10.5]
# (tools/fit_erfcx.py: relative error 9e-9; every coefficient positive, so no cancellation).
_ERFCX_P = (1.000000008705307, 1.248911528236262, 0.7428463156860856, 0.23467301770441207,
            0.03397732891453953)
_ERFCX_Q = (1.0, 2.377291517744165, 2.42531992116458, 1.3463913281733262, 0.41596962869538817,
            0.06022267332529374)
_PHI_CLAMP = 20.0  # Phi(-20) is 0 and Phi(20) is 1 in float32


def _normal_tail_parts(x, scale=1.0):
    """For float32 ``x``: ``xc`` (``x`` clipped to [-20, 20]), ``g = exp(-xc^2 / 2)``
    and ``r = erfcx(|xc| / sqrt(2))``, so that ``Phi(-|x|) = g r / 2``.

    All in float32, no float64 (half the vector width, and slow division on GPUs):
    ``xc^2 / 2`` is split exactly into ``hi + lo`` (``xc`` cut into 12-bit halves,
    whose products are exact, then Dekker's sum), so that ``exp(-hi) (1 - lo)``
    keeps the tail that a rounded square would lose (a float32 ``erfc`` is 7 to 63
    ULP off there). Within 4.6 ULP, at Keras's speed inside XLA (the float64 split
    and polynomials took 1.15-1.3x its time, within 3.6 ULP). ``scale``, a power of two,
    multiplies the rational's coefficients.
    """
    xc = tf.clip_by_value(x, constant(-_PHI_CLAMP, x), constant(_PHI_CLAMP, x))
    head, tail = _halves(xc)
    big, cross = constant(0.5, x) * head * head, head * tail  # each exact; |cross| <= |big|
    hi = big + cross
    lo = (cross - (hi - big)) + constant(0.5, x) * tail * tail
    g = tf.math.exp(-hi) * (1 - lo)
    z = tf.abs(xc) * constant(0.5 ** 0.5, x)
    r = polynomial([scale * c for c in _ERFCX_P], z) / polynomial([scale * c for c in _ERFCX_Q], z)
    return xc, g, r


def _gelu_in_xla(x):
    """float32 GELU from :func:`_normal_tail_parts`: ``x Phi(-|x|)`` below 0 and
    ``x - |x| Phi(-|x|)`` above, the product ordered so that no factor before the
    last is subnormal (those are flushed to 0)."""
    xc, g, r = _normal_tail_parts(x)
    tail = constant(0.5, x) * xc * r * g
    return where(x < 0, tail, x - tail)


def _gelu_derivative(x):
    """d/dx x Phi(x) = Phi(x) + x phi(x)."""
    if not is_float64(x) and in_xla_context():
        # The rational's coefficients doubled (the same quotient, bit for bit): equal
        # constants would let XLA merge it with the function's own, and where both are
        # needed (geglu's backward pass) it wrote that quotient to memory (1.3x relu's
        # training buffers in one XLA program, now 0.9x; no slower)
        xc, g, r = _normal_tail_parts(x, scale=2.0)
        lower = constant(0.5, x) * r * g
        cdf = where(xc < 0, lower, 1 - lower)
        return cdf + xc * g * constant((2 * math.pi) ** -0.5, x)
    z = _gate_input(x)
    density = constant((2 * math.pi) ** -0.5, z) * tf.math.exp(constant(-0.5, z) * z * z)
    return constant(0.5, z) * tf.math.erfc(z * constant(-0.5 ** 0.5, z)) + z * density


@with_derivative(_gelu_derivative)
def _gelu_erfc(x):
    # Inside XLA (a fused kernel, or a jit_compile program) float32 takes the form
    # without float64 transcendentals: one fused pass either way, but float64's erfc
    # costs 1.5-4x Keras's time. Outside XLA, where every op is a pass over memory
    # (small tensors), the float64 erfc form has the fewest ops.
    if not is_float64(x) and in_xla_context():
        return _gelu_in_xla(x)
    wide = as_float64(x)
    phi = constant(0.5, wide) * tf.math.erfc(wide * constant(-0.5 ** 0.5, wide))
    # multiplied in float64: from x = -13.2 to -12.9 phi is below float32's normal
    # range (flushed to 0) while x phi is not
    return tf.cast(_self_gated(wide, phi), x.dtype)


def _gelu_tanh_derivative(x):
    """d/dx x g(u) = g (1 + x (1 - g) u'(x)), g = sigmoid, u = 2 sqrt(2/pi) (x + k x^3).
    One sigmoid (see :func:`_sigmoid_gated_derivative` for 1 - g's precision)."""
    z = tf.clip_by_value(x, constant(-_GATE_CLAMP, x), constant(_GATE_CLAMP, x))
    k, c = constant(0.044715, z), constant(2 * _SQRT_2_OVER_PI, z)
    z2 = z * z
    u = c * z * (1 + k * z2)
    g = tf.math.sigmoid(u)
    return g * (1 + z * (1 - g) * c * (1 + 3 * k * z2))


@with_derivative(_gelu_tanh_derivative)
def _gelu_tanh_sigmoid(x):
    # The gate's argument reaches ~35 where the output still matters: computed in
    # float32 its rounding would cost ~30 ULP in the tail, so it is computed in float64.
    # Inside XLA only the argument is: float32 takes it as float32 hi + lo, and the
    # sigmoid in float32, within 4 ULP (forward at 2^24 side by side: 2.0-2.3x the copy,
    # the float64 sigmoid 2.6-3.0x; forward+backward in tf.function 2.1x, was 2.8x).
    if not is_float64(x) and in_xla_context():
        wide = as_float64(tf.clip_by_value(x, constant(-20.0, x), constant(20.0, x)))  # gate 0 or 1 beyond
        u = _gelu_tanh_gate_argument(wide)
        hi = tf.cast(u, x.dtype)
        return _self_gated(x, _sigmoid_of_sum(hi, tf.cast(u - tf.cast(hi, u.dtype), x.dtype)))
    wide = as_float64(x)
    gate = tf.math.sigmoid(_gelu_tanh_gate_argument(wide))
    return tf.cast(_self_gated(wide, gate), x.dtype)  # see _gelu_erfc


def _gelu_tanh_gate_argument(x):
    """``2 sqrt(2 / pi) (x + 0.044715 x^3)``: gelu_tanh's gate is its sigmoid."""
    return constant(2 * _SQRT_2_OVER_PI, x) * x * (1 + constant(0.044715, x) * x * x)


def _tanh_log1p(u):
    """``tanh(log(1 + u))`` for ``u >= 0`` as ``n / q``, ``n = u (u + 2)``, ``q = n + 2``:
    the same by algebra (``tanh(log w) = (w^2 - 1) / (w^2 + 1)``), with no
    transcendental function and nothing that cancels. Returns ``(n, q)``."""
    n = u * (u + 2)
    return n, n + 2


def _mish_derivative(x):
    """d/dx x t = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x)) = n / q with
    u = exp(x): 1 - t^2 = 4 (1 + u)^2 / q^2, so the second term is
    4 x u (1 + u) / q^2, divided by q twice (u (1 + u) / q < 1: no overflow)."""
    z = _gate_input(x)
    u = tf.math.exp(z)
    n, q = _tanh_log1p(u)
    return n / q + 4 * z * (u * (1 + u) / q) / q


@with_derivative(_mish_derivative)
def _mish(x):
    # One exponential, not softplus's and tanh's: 2x faster inside XLA, and within
    # 3 ULP where tanh(softplus(x)) reaches 6. Clipped above only (n = u^2 overflows from
    # x = 44): below, exp gives 0 and the gate 0 (fused forward 3-5% faster than clipping
    # both sides).
    n, q = _tanh_log1p(tf.math.exp(tf.minimum(x, constant(40.0, x))))
    return _self_gated(x, n / q)


def _lisht_derivative(x):
    """d/dx x tanh(x) = t + x (1 - t^2); 0 * inf is the limit 0 there."""
    t = tf.math.tanh(x)
    return t + tf.math.multiply_no_nan(x, 1 - t * t)


@with_derivative(_lisht_derivative)
def _lisht(x):
    return x * tf.math.tanh(x)


# Inside XLA, float32 takes with_float32_sine's sine and cosine (XLA's own are slower
# than TensorFlow's kernels, which run everywhere else).
def _gcu_gradient(dy, x):
    """dy d/dx x cos(x) = dy (cos(x) - x sin(x))."""
    def formula(sine):
        if sine is None:
            return dy * (tf.math.cos(x) - x * tf.math.sin(x))
        sin, cos = sine(tf.cast(x, tf.float64), cosine=True)
        return dy * (cos - x * sin)

    return with_float32_sine(x, formula)


@gradient_from_input(_gcu_gradient)
def _gcu(x):
    return with_float32_sine(
        x, lambda sine: x * (tf.math.cos(x) if sine is None else sine(tf.cast(x, tf.float64), 2)))


def _snake_argument(x, frequency):
    # In float64, a * x is exact for float32 inputs and sin reduces huge arguments
    # accurately. Where a * x overflows even there (float64 inputs near max), or x
    # is ±inf, the bounded periodic term is below x's precision: it is left out.
    wide = as_float64(x)
    a = constant(frequency, wide)
    ax = a * wide
    return a, where(tf.math.is_inf(ax), constant(0.0, ax), ax)


def _snake_sine(x, frequency, formula):
    """``formula(sine, ax)``: inside XLA, float32 with frequency 1 (so that ``a x`` is
    ``x``, a float32 value) takes :func:`with_float32_sine`'s sine, where float64's sin
    is slow (14x the copy); other frequencies, float64's products and sin (``sine`` None)."""
    if frequency != 1:
        return formula(None, _snake_argument(x, frequency)[1])
    return with_float32_sine(x, lambda sine: formula(sine, _snake_argument(x, frequency)[1]))


def _snake_gradient(dy, x, frequency):
    """dy d/dx (x + sin(a x)^2 / a) = dy (1 + 2 sin(a x) cos(a x)) = dy 2 sin(a x + pi/4)^2."""
    def formula(sine, ax):
        if sine is not None:
            return dy * (2 * tf.square(sine(ax, 1)))
        return dy * tf.cast(1 + 2 * tf.math.sin(ax) * tf.math.cos(ax), x.dtype)

    return _snake_sine(x, frequency, formula)


@gradient_from_input(_snake_gradient)
def _snake(x, frequency):
    def formula(sine, ax):
        if sine is not None:
            return x + tf.square(sine(ax))
        return x + tf.cast(tf.square(tf.math.sin(ax)) / constant(frequency, ax), x.dtype)

    return _snake_sine(x, frequency, formula)


def _smish_derivative(x):
    """d/dx x g = g + x (1 - g^2) s (1 - s) / (1 + s), g = tanh(log1p(s)) = n / q,
    s = sigmoid(x): 1 - g^2 = 4 (1 + s)^2 / q^2, so the second term is
    4 x s sigmoid(-x) (1 + s) / q^2."""
    z = _gate_input(x)
    s = tf.math.sigmoid(z)
    n, q = _tanh_log1p(s)
    return n / q + 4 * z * s * tf.math.sigmoid(-z) * (1 + s) / (q * q)


@with_derivative(_smish_derivative)
def _smish(x):
    n, q = _tanh_log1p(tf.math.sigmoid(x))  # a sigmoid, not also log1p and tanh
    return _self_gated(x, n / q)


def _serf_derivative(x):
    """d/dx x erf(softplus(x)) = g + x (2 / sqrt(pi)) exp(-softplus(x)^2) sigmoid(x)."""
    z = _gate_input(x)
    if is_float64(z) or not in_xla_context():
        softplus, sigmoid = softplus_kernel(z), tf.math.sigmoid(z)
    else:  # one exponential for both
        e = tf.math.exp(-tf.abs(z))
        softplus = softplus_of_exp(z, e)
        sigmoid = where(z >= 0, constant(1.0, z), e) / (1 + e)
    slope = constant(2 / math.sqrt(math.pi), z) * tf.math.exp(-softplus * softplus)
    return tf.math.erf(softplus) + z * slope * sigmoid


@with_derivative(_serf_derivative)
def _serf(x):
    return _self_gated(x, tf.math.erf(softplus_kernel(_gate_input(x))))


def _elish_parts(x):
    """``(e, m1)``: ``e = exp(-|x|)``, in (0, 1], and ``m1 = expm1(-|x|)``, from one
    exponential inside XLA. ``sigmoid(|x|) = 1 / (1 + e)``, ``sigmoid(-|x|) = e / (1 + e)``."""
    m = -tf.abs(x)
    return tf.math.exp(m), expm1_nonpositive(m)


def _elish_derivative(x):
    """x >= 0: s + x s (1 - s); below: exp(x) s + expm1(x) s (1 - s); s = sigmoid(x).
    With e = exp(-|x|), d = 1 + e: (d + x e) / d^2 above 0, (e^2 d + expm1(x) e) / d^2 below."""
    z = _sigmoid_input(x)
    e, m1 = _elish_parts(z)
    d = 1 + e
    return where(x >= 0, d + z * e, e * e * d + m1 * e) / (d * d)


@with_derivative(_elish_derivative)
def _elish(x):
    # x / (1 + e) above 0, expm1(x) e / (1 + e) below: one exponential, not three.
    e, m1 = _elish_parts(x)
    return where(x >= 0, x, m1 * e) / (1 + e)


# The slope (x + 1) / 2 = sqrt(y) for |x| < 1, 0 below (y = 0), 1 above (y >= 1).
@gradient_from_output(lambda dy, y: dy * tf.minimum(sqrt_nonnegative(y), constant(1.0, y)))
def _sparse_plus(x):
    inner = tf.clip_by_value(x, constant(-1.0, x), constant(1.0, x)) + 1
    return where(x >= 1, x, constant(0.25, x) * inner * inner)


def _hard_silu_derivative(x):
    """0 below -3, 1 above 3, (2 x + 3) / 6 between (NaN at NaN). One select of two
    tensors of x's shape: two selects of scalars took 17 µs more a call on a small
    layer in a graph (forward+backward 51 µs, Keras's 22; now 34)."""
    between = (2 * x + constant(3.0, x)) / constant(6.0, x)
    return where(tf.abs(x) > 3, tf.cast(x > 0, x.dtype), between)


@with_derivative(_hard_silu_derivative)
def _hard_silu(x):
    gate = tf.nn.relu6(tf.maximum(x, constant(-4.0, x)) + constant(3.0, x)) / constant(6.0, x)
    return tf.math.multiply_no_nan(x, gate)  # a cheap gate: XLA computes it twice


def _hard_mish_derivative(x):
    """0 below -2, 1 above 0, x + 1 between."""
    one, zero = constant(1.0, x), constant(0.0, x)
    return where(x > 0, one, where(x < -2, zero, x + one))


@with_derivative(_hard_mish_derivative)
def _hard_mish(x):
    gate = tf.clip_by_value(x + constant(2.0, x), constant(0.0, x), constant(2.0, x))
    return tf.math.multiply_no_nan(x, constant(0.5, x) * gate)


# Gradients from the output alone, for functions whose derivative is a function of
# their value: the backward pass then keeps only y, which the next layer keeps anyway
# (as relu's does), not x as well.
# softplus'(x) = sigmoid(beta x) = 1 - exp(-beta y), with no cancellation (expm1).
def _softplus_gradient(dy, y, beta):
    return expm1_nonpositive(constant(-beta, y) * y) * -dy


# Small tensors eagerly: TensorFlow's kernel, one op, called with no dispatch of ours; its
# backward pass, three ops, compiled (under a tape 140 µs a call, 154 op by op; Keras's 130).
_unit_softplus = gradient_from_output(lambda dy, y: _softplus_gradient(dy, y, 1.0),
                                      fuse_small_eagerly=False,
                                      fuse_small_backward_eagerly=True)(softplus_kernel)


@gradient_from_output(_softplus_gradient)
def _softplus_from_output(x, beta):
    if is_float64(x) or math.frexp(beta)[0] == 0.5:  # beta * x exact (or as exact as it gets)
        return _softplus_scaled(x, beta)
    # In the tail the value is exp(beta x) / beta, whose relative error is |beta x|
    # times that of beta x: rounded in float32, 24 ULP at beta x = -16.5.
    if in_xla_context():
        limit = min(40.0 / beta, float(x.dtype.max))
        # below, exp(beta x) / beta is under float32's smallest subnormal
        low = max((-110.0 + min(0.0, math.log(beta))) / beta, -float(x.dtype.max))
        hi, lo = _product_parts(x, beta, low, limit)
        # softplus(hi + lo) = softplus(hi) + sigmoid(hi) lo, to second order in lo
        y = (softplus_kernel(hi) + tf.math.sigmoid(hi) * lo) / constant(beta, x)
        return where(x > constant(limit, x), x, y)
    return tf.cast(_softplus_scaled(as_float64(x), beta), x.dtype)


def _softplus_scaled(x, beta):
    b = constant(beta, x)
    # Past beta * x = 40, softplus(beta x) / beta is x to every dtype's precision;
    # clamping first keeps beta * x from overflowing.
    limit = constant(min(40.0 / beta, float(x.dtype.max)), x)  # tiny beta: no limit
    return where(x > limit, x, softplus_kernel(b * tf.minimum(x, limit)) / b)



def _squareplus_gradient(dy, y, b):
    # squareplus'(x) = y^2 / (y^2 + b / 4), as 1 / (1 + (b / 4) / y^2): 1 where y^2
    # overflows, 0 where it underflows, relative error of a few ULP elsewhere.
    return dy / (1 + constant(b / 4, y) / (y * y))


@gradient_from_output(_squareplus_gradient)
def _squareplus_from_output(x, b):
    magnitude = tf.abs(x)
    # Past sqrt(max) / 2, x^2 would overflow and sqrt(x^2 + b) equals |x| anyway.
    big = constant(x.dtype.max ** 0.5 / 2, x)
    clamped = tf.minimum(magnitude, big)
    root = where(magnitude > big, magnitude, tf.sqrt(clamped * clamped + constant(b, x)))
    # (x + root) / 2 = max(x, 0) + (root - |x|) / 2, and root - |x| = b / (root + |x|):
    # a sum of two non-negative terms, no select between the sides (11 ops in a small
    # graph, not 14: a training step of the credit-default model 0.93x -> 0.97x Keras's).
    return tf.nn.relu(x) + constant(b / 2, x) / (root + magnitude)


@activation("softplus", family="smooth",
            reference="Dugas et al. 2001, 'Incorporating Second-Order Functional Knowledge'")
def softplus(x, beta=1.0):
    """Softplus: ``log(1 + exp(beta x)) / beta``, a smooth ReLU.

    TensorFlow's kernel computes ``log1p(exp(x))`` without overflow for large
    ``x`` and without losing ``exp(x)`` for very negative ``x``.

    Args:
        x: input tensor.
        beta: sharpness (PyTorch's ``beta``), a positive number.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Dugas et al. (2001), "Incorporating Second-Order Functional
    Knowledge for Better Option Pricing"; PyTorch ``torch.nn.Softplus``.

    >>> softplus([-20., 0., 20.]).numpy()
    array([2.0611537e-09, 6.9314718e-01, 2.0000000e+01], dtype=float32)
    """
    beta = real_number(beta, "beta", "positive")
    if beta == 1:
        return _unit_softplus(x)
    return _softplus_from_output(x, beta)


@activation("sparse_plus", family="smooth", reference="Blondel et al. 2019, arXiv:1901.02324")
def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)^2 / 4`` for ``|x| < 1``, ``x`` for ``x >= 1``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Blondel, Martins & Niculae (2019), "Learning with
    Fenchel-Young Losses", arXiv:1901.02324.

    >>> sparse_plus([-2., 0., 0.5, 3.]).numpy()
    array([0.    , 0.25  , 0.5625, 3.    ], dtype=float32)
    """
    return _sparse_plus(x)


@activation("squareplus", family="smooth", reference="Barron 2021, arXiv:2112.11687")
def squareplus(x, b=4.0):
    """Squareplus: ``(x + sqrt(x^2 + b)) / 2``.

    Computed as ``max(x, 0) + b / (2 s)`` with ``s = |x| + sqrt(x^2 + b)``:
    no cancellation for negative ``x``, and no overflow of ``x^2`` (Keras
    overflows in float16 from ``|x| = 257``).

    Args:
        x: input tensor.
        b: a non-negative number, the curvature at 0.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Barron (2021), "Squareplus: A Softplus-Like Algebraic
    Rectifier", arXiv:2112.11687.

    >>> squareplus([-3., 0., 3.]).numpy()
    array([0.30277565, 1.        , 3.3027756 ], dtype=float32)
    """
    b = real_number(b, "b", "non-negative")
    if b == 0:  # (x + |x|) / 2 is relu; its kink at 0 has gradient 0, as relu's
        return tf.nn.relu(x)
    if b < 4 * SMALLEST_NORMAL[x.dtype]:
        # y(0)^2 = b / 4 would be subnormal, which the CPU flushes to 0 (b itself too):
        # b / (2 s) would be 0 / 0 at x = 0. float64 holds it; beyond float64, relu.
        if is_float64(x):
            return tf.nn.relu(x)
        return tf.cast(_squareplus_from_output(tf.cast(x, tf.float64), float(b)), x.dtype)
    return _squareplus_from_output(x, float(b))


@activation("silu", aliases=("swish",), family="smooth",
            reference="Elfwing et al. 2017, arXiv:1702.03118; Ramachandran et al. 2017, arXiv:1710.05941")
def silu(x, beta=1.0):
    """SiLU / swish: ``x * sigmoid(beta x)``; 0 at ``-inf`` (Keras gives NaN).

    Args:
        x: input tensor.
        beta: the gate's slope (``tf.nn.silu``'s ``beta``), a finite number; below 0
            the gate closes at ``+inf`` (the limit 0 there, ``-inf`` at ``-inf``).

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Elfwing, Uchibe & Doya (2017), "Sigmoid-Weighted Linear Units
    for Neural Network Function Approximation in Reinforcement Learning",
    arXiv:1702.03118; Ramachandran, Zoph & Le (2017), "Searching for
    Activation Functions", arXiv:1710.05941.

    >>> silu([-1., 0., 1.]).numpy()
    array([-0.26894143,  0.        ,  0.7310586 ], dtype=float32)
    """
    if not math.isfinite(real_number(beta, "beta")):
        raise ValueError(f"`beta` must be finite, got {beta!r}.")
    if beta == 0:
        return constant(0.5, x) * x
    if beta == 1:
        return _unit_silu(x)
    return _sigmoid_gated(x, float(beta))


@activation("hard_silu", aliases=("hard_swish",), family="smooth",
            reference="Howard et al. 2019, arXiv:1905.02244")
def hard_silu(x):
    """Hard SiLU / hard swish: ``x * relu6(x + 3) / 6``; 0 at ``-inf``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Howard et al. (2019), "Searching for MobileNetV3", arXiv:1905.02244.

    >>> hard_silu([-4., -1., 0., 1., 4.]).numpy()
    array([ 0.        , -0.33333334,  0.        ,  0.6666667 ,  4.        ],
          dtype=float32)
    """
    return _hard_silu(x)


@activation("gelu", family="smooth", reference="Hendrycks & Gimpel 2016, arXiv:1606.08415")
def gelu(x, approximate=False):
    """GELU: ``x * Phi(x) = x * erfc(-x / sqrt(2)) / 2``; with ``approximate=True``, :func:`gelu_tanh`.

    ``erfc`` keeps the tail for negative ``x``. float32 and the half types are
    computed in float64 with TensorFlow's ``erfc``, or, inside XLA, as
    ``exp(-x^2 / 2)`` (its argument split exactly) times a rational
    approximation of ``erfcx``, with no float64 transcendental.

    Args:
        x: input tensor.
        approximate: use the tanh approximation.

    Returns:
        A tensor of ``x``'s shape and float dtype; 0 at ``-inf``.

    Reference: Hendrycks & Gimpel (2016), "Gaussian Error Linear Units
    (GELUs)", arXiv:1606.08415.

    >>> gelu([-1., 0., 1.]).numpy()
    array([-0.15865526,  0.        ,  0.8413447 ], dtype=float32)
    """
    if boolean(approximate, "approximate"):
        return gelu_tanh(x)
    return _gelu_erfc(x)


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
    return tf.raw_ops.Exp(x=x)


@activation("mish", family="smooth", reference="Misra 2019, arXiv:1908.08681")
def mish(x):
    """Mish: ``x * tanh(softplus(x))``; 0 at ``-inf`` (Keras gives NaN).

    Computed as ``x n / (n + 2)`` with ``n = e^x (e^x + 2)``, which is
    ``tanh(softplus(x))`` by algebra: one exponential instead of three
    transcendental functions.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Misra (2019), "Mish: A Self Regularized Non-Monotonic
    Activation Function", arXiv:1908.08681.

    >>> mish([-1., 0., 1., -float("inf")]).numpy()
    array([-0.30340147,  0.        ,  0.86509836,  0.        ], dtype=float32)
    """
    return _mish(x)


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
    return _lisht(x)


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
    array([-0.15880801,  0.        ,  0.841192  ], dtype=float32)
    """
    return _gelu_tanh_sigmoid(x)


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
    array([-0.15420423,  0.        ,  0.8457958 ], dtype=float32)
    """
    return _sigmoid_gated(x, 1.702)


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
    array([-0.29192653,  0.        ,  1.7080735 ], dtype=float32)
    """
    return _snake(x, real_number(frequency, "frequency", "positive"))


@activation("hard_mish", family="smooth", reference="Howard et al. 2019 (hard swish), as in timm's hard_mish")
def hard_mish(x):
    """Hard mish: ``x * clip(x + 2, 0, 2) / 2``; 0 at ``-inf``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: the piecewise-quadratic mish of timm (``hard_mish``), after
    the hard swish of Howard et al. (2019), arXiv:1905.02244.

    >>> hard_mish([-3., -1., 0., 1., 3.]).numpy()
    array([ 0. , -0.5,  0. ,  1. ,  3. ], dtype=float32)
    """
    return _hard_mish(x)


@activation("smish", family="smooth", reference="Wang et al. 2022, 'Smish', Electronics 11(4):540")
def smish(x):
    """Smish: ``x * tanh(log(1 + sigmoid(x)))``; 0 at ``-inf``.

    Computed as ``x n / (n + 2)`` with ``n = s (s + 2)``, ``s = sigmoid(x)``,
    which is the same by algebra.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Wang, Ren & Wang (2022), "Smish: A Novel Activation Function
    for Deep Learning Methods", Electronics 11(4):540.

    >>> smish([-1., 0., 1.]).numpy()
    array([-0.2337788 ,  0.        ,  0.49957013], dtype=float32)
    """
    return _smish(x)


@activation("serf", family="smooth", reference="Nag & Bhattacharyya 2021, arXiv:2108.09598")
def serf(x):
    """SERF: ``x * erf(softplus(x))``; 0 at ``-inf``.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Nag & Bhattacharyya (2021), "SERF: Towards better training of
    deep neural networks using log-Softplus ERror activation Function",
    arXiv:2108.09598.

    >>> serf([-1., 0., 1.]).numpy()
    array([-0.34224796,  0.        ,  0.9367219 ], dtype=float32)
    """
    return _serf(x)


@activation("gcu", family="smooth", reference="Noel et al. 2021, arXiv:2108.12943")
def gcu(x):
    """Growing cosine unit: ``x * cos(x)``; NaN at ``±inf``, where it has no limit.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype.

    Reference: Noel, Trivedi, Banerjee & Paul (2021), "Growing Cosine Unit: A
    Novel Oscillatory Activation Function That Can Speedup Training and
    Reduce Parameters in Convolutional Neural Networks", arXiv:2108.12943.

    >>> gcu([-1., 0., 2.]).numpy()
    array([-0.5403023,  0.       , -0.8322936], dtype=float32)
    """
    return _gcu(x)


@activation("elish", family="smooth", reference="Basirat & Roth 2018, arXiv:1808.00783")
def elish(x):
    """ELiSH: ``x * sigmoid(x)`` for ``x >= 0``, ``(exp(x) - 1) * sigmoid(x)`` below.

    Args:
        x: input tensor.

    Returns:
        A tensor of ``x``'s shape and float dtype; 0 at ``-inf``.

    Reference: Basirat & Roth (2018), "The Quest for the Golden Activation
    Function", arXiv:1808.00783.

    >>> elish([-1., 0., 1.]).numpy()
    array([-0.1700034,  0.       ,  0.7310586], dtype=float32)
    """
    return _elish(x)
