"""keras_acts.activations._trig: the float32 sine that snake and sine_relu use inside XLA."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import tensorflow as tf

from keras_acts.activations import _trig


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


@pytest.mark.parametrize("eighths", [-1, 0, 1])
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


def test_sin_float32_is_nan_at_infinity_and_nan():
    got = _trig.sin_float32(tf.constant([np.inf, -np.inf, np.nan], tf.float64)).numpy()
    assert np.isnan(got).all()


def test_sin_float32_refuses_other_shifts():
    with pytest.raises(ValueError, match="eighths"):
        _trig.sin_float32(tf.constant([1.0], tf.float64), 2)


def test_reduction_constants_sum_to_their_targets():
    with mp.workdps(60):
        assert abs(sum(map(mp.mpf, (_trig._P1, _trig._P2, _trig._P3))) - mp.pi / 2) < mp.mpf(2) ** -100
        for e in (0, 1, 30, 104):
            target = mp.fmod(mp.mpf(2) ** e, 2 * mp.pi)
            assert abs(sum(map(mp.mpf, _trig._TABLE[e])) - target) < mp.mpf(2) ** -100
