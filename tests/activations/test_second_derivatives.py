"""Second derivatives of every activation, eagerly, in a graph and inside XLA.

A gradient penalty (WGAN-GP, input-gradient regularisers) differentiates a gradient:
the functions' own gradients must themselves be differentiable, in every mode. The
test takes ``s = sum(g * g)``, ``g`` the gradient of ``sum(w * f(x))``, and compares its
gradient with the one its derivatives give, from the published formulas in mpmath
(``references``): elementwise ``ds/dx = 2 w^2 f'(x) f''(x)``. The softmax family has
its own test in ``test_softmax.py``.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
import tensorflow as tf
from mpmath import mp

import keras_acts
from . import references

MODES = {
    "eager": lambda f: f,
    "graph": lambda f: tf.function(f, autograph=False),
    "xla": lambda f: tf.function(f, autograph=False, jit_compile=True),
}
ROWS, WIDTH = 2, 64
GATED = sorted(name for name in references.ROWWISE if "glu" in name)


def _penalty_gradient(fn, x, weights):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            loss = tf.reduce_sum(weights * fn(x))
        g = inner.gradient(loss, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        penalty = tf.reduce_sum(g * g)
    return outer.gradient(penalty, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _points(kinks=()):
    """Inputs in [-4, 4], none within 0.02 of a kink (where f'' has no value)."""
    x = np.random.default_rng(7).uniform(-4, 4, ROWS * WIDTH)
    for kink in (0.0, *kinks):
        near = np.abs(x - kink) < 0.02
        x[near] = kink + 0.05
    return x.reshape(ROWS, WIDTH)


def _kinks(name):
    """Where the reference says a kink may be: its own list, ± its keywords' defaults."""
    entry = references.ELEMENTWISE[name]
    numbers = [p.default for p in inspect.signature(entry.formula).parameters.values()
               if isinstance(p.default, (int, float)) and not isinstance(p.default, bool)]
    return (*entry.kinks, *numbers, *(-v for v in numbers))


@functools.cache
def _elementwise_expected(name):
    formula = references.ELEMENTWISE[name].formula
    x = _points(_kinks(name))
    w = _weights(WIDTH)
    with mp.workdps(30):
        first = np.array([[float(mp.diff(formula, mp.mpf(v), 1)) for v in row] for row in x])
        second = np.array([[float(mp.diff(formula, mp.mpf(v), 2)) for v in row] for row in x])
    return x, w, 2 * w * w * first * second


@functools.cache
def _gated_expected(name):
    formula = references.ROWWISE[name].formula
    x = _points()  # reglu's gate has its kink at 0
    half = WIDTH // 2
    w = _weights(half)

    def out(a, b):
        return formula([a, b])[0]

    expected = np.empty_like(x)
    with mp.workdps(30):
        for r in range(ROWS):
            for i in range(half):
                a, b = mp.mpf(x[r, i]), mp.mpf(x[r, half + i])
                d = {order: float(mp.diff(out, (a, b), order))
                     for order in ((1, 0), (0, 1), (2, 0), (1, 1), (0, 2))}
                fa, fb = d[1, 0], d[0, 1]
                expected[r, i] = 2 * w[i] ** 2 * (fa * d[2, 0] + fb * d[1, 1])
                expected[r, half + i] = 2 * w[i] ** 2 * (fa * d[1, 1] + fb * d[0, 2])
    return x, w, expected


def _weights(n):
    return np.random.default_rng(8).uniform(0.5, 1.5, n)


ELEMENTWISE = sorted(references.ELEMENTWISE)


def _check(name, mode, x, w, expected, dtype=tf.float32):
    fn = keras_acts.get(name)
    got = MODES[mode](lambda t: _penalty_gradient(fn, t, tf.constant(w, dtype)))(
        tf.constant(x, dtype)).numpy()
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=2e-3, atol=2e-4 * scale + 1e-6,
                               err_msg=f"{name} in {mode}, {dtype.name}")


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_second_derivatives_of_elementwise_functions(name, mode):
    _check(name, mode, *_elementwise_expected(name))


# float64 takes forms of its own (sine_relu's reduction in four parts, with a conditional
# for arguments past 2^26; float64 options' paths), which a tape of a tape must differentiate too
@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_second_derivatives_in_float64(name, mode):
    _check(name, mode, *_elementwise_expected(name), dtype=tf.float64)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", GATED)
def test_second_derivatives_of_gated_units(name, mode):
    _check(name, mode, *_gated_expected(name))
