"""A float32 sine inside XLA: the argument reduced exactly in float64, polynomials in float32.

XLA on two CPU cores computes float64 sin at 12-14x the time of a copy and
float32 sin at 8x; this form, one fused pass of integer and floating-point
arithmetic, at 1.4x. It serves the float32 formulas of snake and sine_relu inside
XLA programs (fused kernels, ``jit_compile=True``), and gcu's cosine; elsewhere
they keep TensorFlow's sin and cos, one kernel.

The reduction is exact for every float32 argument, however large: ``t = M 2^E``
with an integer ``M < 2^24``, so ``t mod 2 pi = M (2^E mod 2 pi) mod 2 pi``, with
``2^E mod 2 pi`` from a table of 105 entries (Payne and Hanek's idea, in its
simplest form), then Cody and Waite's reduction by ``pi / 2`` of the product.
Only arguments of 2^24 and more need the table (below, ``E = 0``); its lookups
take XLA:CPU from 1.4x the copy to 3-4x, so :func:`with_float32_sine` looks them
up only when some argument needs them.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

import tensorflow as tf

from keras_acts.activations._base import FUSE_FROM, for_gpu, in_xla_context, is_large, polynomial, where

_PI = Fraction("3.14159265358979323846264338327950288419716939937510582097494459230781640628620")
_CHUNK = 26  # bits: a 24-bit M times a 26-bit chunk is exact in float64


def _chunks(v: Fraction, count: int, bits: int) -> list[float]:
    """``v >= 0`` as ``count`` floats of ``bits`` significant bits each, summing to it
    within ``2^-(count bits)`` of its size."""
    out = []
    for _ in range(count):
        if v == 0:
            out.append(0.0)
            continue
        scale = Fraction(2) ** (bits - 1 - math.floor(math.log2(v)))
        head = Fraction(math.floor(v * scale)) / scale
        out.append(float(head))
        v -= head
    return out


def _mod_2pi_chunks(e: int) -> list[float]:
    """``2^e mod 2 pi`` as two 26-bit chunks (M times each is exact) and the rest
    rounded to float64 (M times it is below 2^-25, its rounding below 2^-78)."""
    v = Fraction(2) ** e - 2 * _PI * math.floor(Fraction(2) ** e / (2 * _PI))
    head = _chunks(v, 2, _CHUNK)
    return head + [float(v - sum(map(Fraction, head)))]


# 2^E mod 2 pi for E = 0 .. 104 (a float32 of 2^24 or more is M 2^E, E <= 104): to about
# 2^-102 of 2 pi, so M times it is off by 2^-77 at most.
_MAX_E = 104
_TABLE = [_mod_2pi_chunks(e) for e in range(_MAX_E + 1)]

# pi / 2 = P1 + P2 + P3 with P1 and P2 of 25 bits: m P1 and m P2 are exact in float64
# for the multiples m (k or k -+ 1/2, below 2^27) that reduce M (2^E mod 2 pi) < 2^27.
_P1, _P2, _P3 = _chunks(_PI / 2, 2, 25) + [float(_PI / 2 - sum(map(Fraction, _chunks(_PI / 2, 2, 25))))]

# Taylor coefficients on [-pi/4, pi/4]: sin to r^9 (the next term is below 0.05 float32
# ULP there), cos to r^10.
_SIN = tuple((-1) ** j / math.factorial(2 * j + 1) for j in range(1, 5))
_COS = tuple((-1) ** j / math.factorial(2 * j) for j in range(2, 6))


def _exactly_mod_2pi(t: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``t`` (float64 holding a float32 value) as ``hi + lo`` (float64, ``|hi| < 2^27``,
    ``|lo| < 2``) equal to it modulo ``2 pi``, from ``t = M 2^E`` and the table."""
    t32 = tf.cast(t, tf.float32)
    field = tf.bitwise.bitwise_and(tf.bitwise.right_shift(tf.bitcast(t32, tf.int32), 23), 0xFF)
    e = tf.clip_by_value(field - 127 - 23, 0, _MAX_E)  # M = t / 2^E has at most 24 bits
    m = tf.cast(t32 * tf.bitcast(tf.bitwise.left_shift(127 - e, 23), tf.float32), tf.float64)
    parts = [m * tf.gather(tf.constant([row[i] for row in _TABLE], tf.float64), e) for i in range(3)]
    return parts[0], parts[1] + parts[2]


def _check_eighths(eighths) -> None:
    if eighths not in (-1, 0, 1, 2):
        raise ValueError(f"`eighths` must be -1, 0, 1 or 2, got {eighths!r}")


def _quadrant(k: tf.Tensor) -> tf.Tensor:
    """``k`` (whole numbers of quarter turns) modulo 4."""
    return k - 4 * tf.math.floor(k / 4)


def _sin_in_quadrant(quadrant, sin, cos):
    """``sin(r + quadrant pi / 2)`` from ``sin(r)`` and ``cos(r)``."""
    one = tf.constant(1.0, sin.dtype)
    return where(quadrant < 2, one, -one) * where(tf.equal(quadrant % 2, 0), sin, cos)


def _reduced_sin(t: tf.Tensor, eighths: int, table: bool, cosine: bool = False):
    """sin(t + eighths pi / 4) as float32 (``cosine``: and cos(t + eighths pi / 4), from
    the same reduction); without the table, for |t| < 2^24 only."""
    hi, lo = _exactly_mod_2pi(t) if table else (t, None)
    shift = eighths / 2  # in quarter turns: t + shift pi / 2
    k = tf.math.round((hi if lo is None else hi + lo) * (2 / math.pi) + shift)
    m = k - shift
    reduced = (hi - m * _P1) - m * _P2
    r = tf.cast((reduced if lo is None else reduced + lo) - m * _P3, tf.float32)
    r2 = r * r
    sin = r + r * r2 * polynomial(_SIN, r2)
    cos = 1 - 0.5 * r2 + r2 * r2 * polynomial(_COS, r2)
    quadrant = _quadrant(k)
    value = _sin_in_quadrant(quadrant, sin, cos)
    if not cosine:
        return value
    # cos(r + quadrant pi / 2) = sin(r + (quadrant + 1) pi / 2)
    return value, where((quadrant == 0) | (quadrant == 3), 1.0, -1.0) * where(
        tf.equal(quadrant % 2, 0), cos, sin)


def sin_float32(t: tf.Tensor, eighths: int = 0, *, table: bool = True, cosine: bool = False):
    """``sin(t + eighths pi / 4)`` rounded to float32, for a float64 ``t`` that holds
    float32 values and ``eighths`` in -1, 0, 1, 2 (2: ``cos(t)``): the shift is applied
    after the reduction, exactly, so the result keeps its relative precision near its zeros.
    Within 2 float32 ULP (1.53 on a dense grid up to float32's largest value); NaN
    at ±inf and NaN. ``table=False`` leaves out the lookups that only ``|t| >= 2^24``
    needs: the same bits below 2^24, wrong values above. ``cosine=True`` returns
    ``(sin, cos)`` of ``t + eighths pi / 4`` from one reduction.
    """
    _check_eighths(eighths)
    return _reduced_sin(t, eighths, table, cosine)


# pi / 2 = Q1 + Q2 + Q3 + Q4, three chunks of 25 bits and the rest: for the multiples m
# (k or k -+ 1/2) of |m| < 2^27, m Q1, m Q2 and m Q3 are exact in float64, and so is each
# subtraction of them from a float64 t near m pi / 2 (Cody and Waite's reduction).
_Q1, _Q2, _Q3 = _chunks(_PI / 2, 3, 25)
_Q4 = float(_PI / 2 - sum(map(Fraction, (_Q1, _Q2, _Q3))))
FLOAT64_REDUCED_BELOW = 2.0 ** 26  # |t| below it: |m| < 2^27


def sin_float64(t: tf.Tensor, eighths: int = 0) -> tf.Tensor:
    """``sin(t + eighths pi / 4)`` of a float64 ``t``, to float64's precision near its
    zeros too: ``t`` reduced by ``pi / 2`` in four parts, the shift applied after the
    reduction, then TensorFlow's sin or cos of what is left (within ``pi / 4``). For
    ``|t| >= 2^26`` the sum of TensorFlow's sin and cos, whose zeros cancel (inside XLA
    computed only when some argument is that large)."""
    _check_eighths(eighths)
    shift = eighths / 2  # in quarter turns: t + shift pi / 2
    near = tf.abs(t) < FLOAT64_REDUCED_BELOW
    tc = where(near, t, tf.zeros_like(t))
    k = tf.math.round(tc * (2 / math.pi) + shift)
    m = k - shift
    r = (((tc - m * _Q1) - m * _Q2) - m * _Q3) - m * _Q4
    value = _sin_in_quadrant(_quadrant(k), tf.math.sin(r), tf.math.cos(r))

    def with_far():
        sin, cos = tf.math.sin(t), tf.math.cos(t)
        far = {0: sin, 2: cos, 1: (sin + cos) * math.sqrt(0.5), -1: (sin - cos) * math.sqrt(0.5)}
        return where(near, value, far[eighths])

    if for_gpu() or not (in_xla_context() or is_large(t, FUSE_FROM)):
        # Where a tape differentiates this (the forms traced for a GPU) and on small tensors
        # outside XLA (op by op: there the conditional costs two more dispatches), both forms:
        # TensorFlow's gradient of a conditional inside XLA fails, and pfor (vectorized_map,
        # jacobians; its examples are small) cannot split one on a predicate that varies per
        # example.
        return with_far()
    # Elsewhere the far form only where some argument needs it: two more sines cost 1.3-1.45x
    # inside XLA, 1.8x outside (fusion off, 2^20 elements).
    return tf.reshape(tf.cond(tf.reduce_all(near), lambda: value, with_far), tf.shape(t))


TABLE_FROM = 2.0 ** 24  # float32 values from here on are M 2^E with E >= 1


def with_float32_sine(x: tf.Tensor, formula: Callable[[Callable | None], tf.Tensor]) -> tf.Tensor:
    """``formula(sine)``: for a float32 ``x`` inside XLA, ``sine(t, eighths=0,
    cosine=False)`` is :func:`sin_float32` of a float64 ``t`` holding float32 values no larger in
    magnitude than ``x``'s; elsewhere ``sine`` is None and the formula takes
    TensorFlow's float64 sin (one kernel outside XLA). The formula's result has ``x``'s
    shape.

    On a CPU, a conditional on ``x``'s max and min (two reductions of ``x`` itself,
    which XLA:CPU runs without writing anything) takes the formula without the
    table's lookups unless some ``|x| >= 2^24``: snake's forward pass went from 3.4x
    the copy to 1.8x. The formula computes everything inside the conditional, from
    ``x``, so it stays one fused pass. With a GPU, where a conditional waits for the
    host and lookups are cheap, always the table's form. The same bits either way.
    """
    if x.dtype != tf.float32 or not in_xla_context():
        return formula(None)

    def with_table(table):
        return lambda: formula(
            lambda t, eighths=0, cosine=False: sin_float32(t, eighths, table=table, cosine=cosine))

    if for_gpu():
        return with_table(True)()
    large = (tf.reduce_max(x) >= TABLE_FROM) | (tf.reduce_min(x) <= -TABLE_FROM)
    # Reshaped to x's shape (free: a bitcast in XLA) so that a graph calling the compiled
    # kernel infers the output's static shape through it: the conditional's own is the one
    # it was traced with (any), and later layers need it (Dense after snake on a keras.Input).
    return tf.reshape(tf.cond(large, with_table(True), with_table(False)), tf.shape(x))
