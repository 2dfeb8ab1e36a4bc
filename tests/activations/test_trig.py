"""keras_acts.activations._trig: the float32 sine that snake and sine_relu use inside XLA."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import tensorflow as tf

from keras_acts.activations import _base, _trig


def float32_grid() -> np.ndarray:
    rng = np.random.default_rng(7)
    finfo = np.finfo(np.float32)
    values = np.concatenate([
        np.linspace(-20, 20, 4001),
        rng.uniform(-3e7, 3e7, 2000),
        np.logspace(-30, 38.5, 1500), -np.logspace(-30, 38.5, 1500),
        np.pi / 4 * np.arange(-400, 400),  # near the zeros of every shifted sine
        [finfo.max, -finfo.max, 2.0 ** 23, 2.0 ** 24, 2.0 ** 24 - 1, 0.0],
    ])
    return np.unique(values.astype(np.float32))


@pytest.mark.parametrize("eighths", [-1, 0, 1, 2])
@pytest.mark.parametrize("jit", [False, True])
def test_sin_float32_within_two_ulp_everywhere(eighths, jit):
    x = float32_grid()
    fn = lambda t: _trig.sin_float32(t, eighths)  # noqa: E731
    if jit:
        fn = tf.function(fn, jit_compile=True, autograph=False)
    got = fn(tf.constant(x.astype(np.float64))).numpy()
    assert got.dtype == np.float32
    with mp.workdps(60):
        exact = np.array([float(mp.sin(mp.mpf(float(v)) + eighths * mp.pi / 4)) for v in x])
    ulp = np.maximum(np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64), 2.0 ** -126)
    error = np.abs(got.astype(np.float64) - exact) / ulp
    assert error.max() <= 2, (x[error.argmax()], got[error.argmax()], exact[error.argmax()])


def _exact_sin(x, eighths=0):
    with mp.workdps(60):
        return np.array([float(mp.sin(mp.mpf(float(v)) + eighths * mp.pi / 4)) for v in x])


@pytest.mark.parametrize("eighths", [-1, 0, 1, 2])
def test_without_the_table_the_same_bits_below_two_to_the_24(eighths):
    x = float32_grid()
    x = x[np.abs(x) < _trig.TABLE_FROM]
    run = tf.function(lambda t, table: _trig.sin_float32(t, eighths, table=table), jit_compile=True,
                      autograph=False)
    t = tf.constant(x.astype(np.float64))
    assert np.array_equal(run(t, True).numpy().view(np.int32), run(t, False).numpy().view(np.int32))


@pytest.mark.parametrize("largest", [2.0 ** 24 - 1, 2.0 ** 24, -3e7, np.inf])
def test_with_float32_sine_looks_up_the_table_when_an_argument_needs_it(largest):
    # A tensor of small arguments but one: every value right, whichever form ran.
    x = np.concatenate([float32_grid()[:3000], [largest]]).astype(np.float32)
    x = x[(np.abs(x) < 2.0 ** 24) | (x == largest)]
    fn = tf.function(lambda t: _trig.with_float32_sine(t, lambda sine: sine(tf.cast(t, tf.float64))),
                     jit_compile=True, autograph=False)
    got = fn(tf.constant(x)).numpy().astype(np.float64)
    finite = np.isfinite(x)
    exact = _exact_sin(x[finite])
    ulp = np.maximum(np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64), 2.0 ** -126)
    assert np.max(np.abs(got[finite] - exact) / ulp) <= 2
    assert np.all(np.isnan(got[~finite]))


def _conditionals(hlo_text: str) -> int:
    return hlo_text.count(" conditional(")


def test_the_lookups_are_conditional_on_a_cpu_and_not_for_a_gpu():
    fn = tf.function(lambda t: _trig.with_float32_sine(t, lambda sine: sine(tf.cast(t, tf.float64))),
                     jit_compile=True, autograph=False)
    x = tf.constant([1.0, 2.0])
    on_cpu_only = not tf.config.list_physical_devices("GPU")
    assert _conditionals(fn.experimental_get_compiler_ir(x)(stage="hlo")) == int(on_cpu_only)
    with _base.forms_for_gpu():
        fn = tf.function(fn.python_function, jit_compile=True, autograph=False)
        assert _conditionals(fn.experimental_get_compiler_ir(x)(stage="hlo")) == 0


def test_with_float32_sine_outside_xla_leaves_the_sine_to_the_formula():
    assert _trig.with_float32_sine(tf.constant([1.0]), lambda sine: sine) is None
    assert _trig.with_float32_sine(tf.constant([1.0], tf.float64), lambda sine: sine) is None


@pytest.mark.parametrize("table", [True, False])
def test_sin_float32_gives_the_cosine_from_the_same_reduction(table):
    x = float32_grid()
    x = x[np.isfinite(x) & ((np.abs(x) < _trig.TABLE_FROM) | table)]
    t = tf.constant(x.astype(np.float64))
    both = tf.function(lambda t: _trig.sin_float32(t, 1, table=table, cosine=True), jit_compile=True,
                       autograph=False)
    alone = tf.function(lambda t: _trig.sin_float32(t, 1, table=table), jit_compile=True, autograph=False)
    sin, cos = (v.numpy() for v in both(t))
    assert np.array_equal(sin.view(np.int32), alone(t).numpy().view(np.int32))
    exact = _exact_sin(x, 3)  # cos(t + pi/4) = sin(t + 3 pi/4)
    ulp = np.maximum(np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64), 2.0 ** -126)
    assert np.max(np.abs(cos.astype(np.float64) - exact) / ulp) <= 2


def test_sin_float32_is_nan_at_infinity_and_nan():
    got = _trig.sin_float32(tf.constant([np.inf, -np.inf, np.nan], tf.float64)).numpy()
    assert np.isnan(got).all()


def test_sin_float32_refuses_other_shifts():
    with pytest.raises(ValueError, match="eighths"):
        _trig.sin_float32(tf.constant([1.0], tf.float64), 3)


def test_reduction_constants_sum_to_their_targets():
    with mp.workdps(60):
        assert abs(sum(map(mp.mpf, (_trig._P1, _trig._P2, _trig._P3))) - mp.pi / 2) < mp.mpf(2) ** -100
        for e in (0, 1, 30, 104):
            target = mp.fmod(mp.mpf(2) ** e, 2 * mp.pi)
            assert abs(sum(map(mp.mpf, _trig._TABLE[e])) - target) < mp.mpf(2) ** -100


def _near_zeros_of_the_shifted_sine(eighths):
    """float64 arguments at and beside the zeros of sin(t + eighths pi / 4) for
    t in [-1e4, 1e4], and far beyond, where the plain sum of sin and cos cancels."""
    with mp.workdps(60):
        zeros = [float(k * mp.pi / 2 - eighths * mp.pi / 4) for k in range(-6000, 6000, 2)]
    zeros = np.array(zeros)
    wide = np.array([1e7, -3.3e7, 6.7e7, -2e9, 1e15])
    return np.concatenate([zeros, np.nextafter(zeros, np.inf), np.nextafter(zeros, -np.inf),
                           zeros * (1 + 1e-12), wide])


@pytest.mark.parametrize("eighths", [-1, 0, 1, 2])
@pytest.mark.parametrize("jit", [False, True])
def test_sin_float64_keeps_its_precision_near_its_zeros(eighths, jit):
    x = _near_zeros_of_the_shifted_sine(eighths)
    fn = lambda t: _trig.sin_float64(t, eighths)  # noqa: E731
    if jit:
        fn = tf.function(fn, jit_compile=True, autograph=False)
    got = fn(tf.constant(x)).numpy()
    exact = _exact_sin(x, eighths)
    near = np.abs(x) < _trig.FLOAT64_REDUCED_BELOW
    error = np.abs(got - exact) / np.spacing(np.abs(exact))
    assert error[near].max() <= 2, (x[near][error[near].argmax()], got[near][error[near].argmax()])
    # beyond, only as well as TensorFlow's own sin and cos: their rounding, not their cancellation
    assert np.abs(got - exact)[~near].max() <= 4e-16
    assert np.isnan(_trig.sin_float64(tf.constant([np.inf, -np.inf, np.nan], tf.float64), eighths)).all()


def test_float64_reduction_constants_sum_to_half_pi():
    with mp.workdps(80):
        parts = (_trig._Q1, _trig._Q2, _trig._Q3, _trig._Q4)
        assert abs(sum(map(mp.mpf, parts)) - mp.pi / 2) < mp.mpf(2) ** -125
    for part in parts[:3]:  # 25 significant bits: 2^27 times each is exact in float64
        mantissa = abs(part) / 2.0 ** np.floor(np.log2(abs(part)))
        assert float(mantissa * 2 ** 24).is_integer()


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_float64_sine_relu_and_its_gradient_near_the_zeros_of_their_waves(mode):
    """sine_relu's wave sin x - cos x and its derivative's cos x + sin x cancel near
    their zeros: in float64 they were off by up to 4e5 ULP there."""
    from keras_acts.activations import sine_relu

    epsilon = 0.0025
    x = np.concatenate([_near_zeros_of_the_shifted_sine(-1), _near_zeros_of_the_shifted_sine(1)])
    x = x[(x < 0) & (x > -_trig.FLOAT64_REDUCED_BELOW)]

    def value_and_gradient(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = sine_relu(t)
        return y, tape.gradient(y, t)

    run = {"eager": value_and_gradient,
           "graph": tf.function(value_and_gradient, autograph=False),
           "xla": tf.function(value_and_gradient, jit_compile=True, autograph=False)}[mode]
    y, dy = (v.numpy() for v in run(tf.constant(x)))
    for got, sign in ((y, -1), (dy, 1)):
        with mp.workdps(60):
            exact = np.array([float(mp.mpf(epsilon) * (mp.sin(mp.mpf(v)) + sign * mp.cos(mp.mpf(v))))
                              for v in x])
        error = np.abs(got - exact) / np.spacing(np.abs(exact))
        assert error.max() <= 4, (sign, x[error.argmax()], got[error.argmax()], exact[error.argmax()])
