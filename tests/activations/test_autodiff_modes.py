"""Differentiation beyond one reverse-mode tape, for every function.

Forward mode (``tf.autodiff.ForwardAccumulator``), persistent tapes (a custom training loop
taking several gradients) and ``tf.vectorized_map`` reach a function's custom gradient
and its forward ops by other routes than ``tape.gradient``. Each must agree with the
reverse-mode gradient, which the numerics tests check against mpmath: for any ``u`` and
``v``, row by row, ``u . (J v)`` (forward mode) equals ``(J^T u) . v`` (reverse mode).
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from . import references

NAMES = sorted({*references.ELEMENTWISE, *references.ROWWISE})
MODES = {
    "eager": lambda f: f,
    "graph": lambda f: tf.function(f, autograph=False),
    "xla": lambda f: tf.function(f, autograph=False, jit_compile=True),
}
ROWS, WIDTH = 3, 8


def _inputs(dtype):
    rng = np.random.default_rng(11)
    x = rng.uniform(-3, 3, (ROWS, WIDTH)) + 0.013  # off the kinks at 0 and ±1, ±0.5
    return tuple(tf.constant(a, dtype) for a in (x, rng.standard_normal((ROWS, WIDTH))))


def _weights(fn, x, dtype):
    width = fn(x).shape[-1]  # the gated units halve the row
    return tf.constant(np.random.default_rng(12).standard_normal((ROWS, width)), dtype)


def _reverse(fn, x, v, u):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tf.reduce_sum(tape.gradient(y, x, output_gradients=u) * v, axis=-1)


def _forward(fn, x, v, u):
    with tf.autodiff.ForwardAccumulator(x, v) as accumulator:
        y = fn(x)
    return tf.reduce_sum(accumulator.jvp(y) * u, axis=-1)


def _persistent(fn, x, v, u):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = fn(x)
        doubled = 2 * y
    first, second = tape.gradient(y, x, output_gradients=u), tape.gradient(doubled, x, output_gradients=u)
    return tf.reduce_sum((first + second) * v, axis=-1) / 3


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64], ids=lambda d: d.name)
@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", NAMES)
def test_forward_mode_and_persistent_tapes_agree_with_the_gradient(name, mode, dtype):
    fn = keras_acts.get(name)
    x, v = _inputs(dtype)
    u = _weights(fn, x, dtype)
    expected = _reverse(fn, x, v, u).numpy()
    tolerance = dict(rtol=1e-4, atol=1e-5) if dtype == tf.float32 else dict(rtol=1e-10, atol=1e-12)
    routes = (_forward, _persistent)
    if name == "softsign" and mode != "eager":
        # In a graph an accumulator differentiates the forward ops, there TensorFlow's
        # Softsign kernel, whose gradient kernel has no gradient registered: TensorFlow's
        # limitation (Keras's softsign fails eagerly too), docs/known_defects.md
        with pytest.raises(LookupError, match="SoftsignGrad"):
            MODES[mode](lambda t, s, w: _forward(fn, t, s, w))(x, v, u)
        routes = (_persistent,)
    for route in routes:
        got = MODES[mode](lambda t, s, w: route(fn, t, s, w))(x, v, u).numpy()
        np.testing.assert_allclose(got, expected, **tolerance, err_msg=f"{route.__name__} in {mode}")


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64], ids=lambda d: d.name)
@pytest.mark.parametrize("name", NAMES)
def test_vectorized_map_gives_each_row_its_value(name, dtype):
    fn = keras_acts.get(name)
    x, _ = _inputs(dtype)
    # within a few ULP: vectorized_map runs the ops of a graph, each row's call eagerly
    # the compiled kernel
    np.testing.assert_allclose(tf.vectorized_map(fn, x).numpy(),
                               tf.stack([fn(row) for row in tf.unstack(x)]).numpy(),
                               rtol=8 * np.finfo(dtype.as_numpy_dtype).eps, atol=0)


@pytest.mark.parametrize("name, penalty_slope", [
    ("squared_relu", lambda x: 8 * np.maximum(x, 0)),
    ("sparse_plus", lambda x: np.where(np.abs(x) < 1, (x + 1) / 2, 0.0)),
])
def test_forward_mode_first_leaves_second_derivatives_right(name, penalty_slope):
    # A compiled backward kernel first called under a forward accumulator kept a variant
    # whose later second derivatives lost sqrt_nonnegative's custom gradient: NaN where the
    # output is 0. Rank 5: kernels no other test has traced (they are kept per rank).
    fn = keras_acts.get(name)
    x = tf.constant(np.linspace(-3, 3, 60).reshape(1, 1, 3, 4, 5) + 0.013, tf.float32)
    with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as accumulator:
        y = fn(x)
    assert accumulator.jvp(y) is not None
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            loss = tf.reduce_sum(fn(x))
        g = inner.gradient(loss, x)
        penalty = tf.reduce_sum(g * g)
    np.testing.assert_allclose(outer.gradient(penalty, x).numpy(), penalty_slope(x.numpy()),
                               rtol=1e-5, atol=1e-6)
