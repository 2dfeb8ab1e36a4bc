"""keras_acts/activations/smooth.py: GELU's float32 form for XLA, on a dense grid.

test_numerics.py checks every function on a grid of ordinary and extreme
inputs; the float32 GELU that runs inside XLA is built from a fitted rational
(tools/fit_erfcx.py), so its error is checked here on thousands of points
against 30-digit mpmath values, in each way it runs.
"""

import math

import mpmath as mp
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts.activations import smooth

# float32 values from the underflow of x Phi(x) (about -14) to where Phi is 1, densest in the tail
GRID = np.unique(np.concatenate([
    np.linspace(-14.5, 8.0, 3001), -np.geomspace(1e-6, 14.5, 600), np.geomspace(1e-6, 8.0, 300),
]).astype(np.float32))


def _exact(x):
    with mp.workdps(30):
        x = mp.mpf(float(x))
        cdf = mp.erfc(-x / mp.sqrt(2)) / 2
        return float(x * cdf), float(cdf + x * mp.npdf(x))


EXACT = np.array([_exact(x) for x in GRID])


def _value_and_gradient(mode):
    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = keras_acts.activations.gelu(x)
        return y, tape.gradient(y, x)

    if mode != "eager":
        run = tf.function(run, jit_compile=mode == "xla", autograph=False)
    # unfused: op by op in a graph (float64's erfc), as small layers run in model.fit on a CPU
    keras_acts.config.set_xla_fusion(mode != "unfused", from_elements=0 if mode == "fused" else None)
    try:
        y, dy = run(tf.constant(GRID))
    finally:
        keras_acts.config.set_xla_fusion(True)
    return y.numpy().astype(np.float64), dy.numpy().astype(np.float64)


@pytest.mark.parametrize("mode", ["eager", "fused", "unfused", "xla"])
def test_float32_gelu_within_8_ulp_on_a_dense_grid(mode):
    y, _ = _value_and_gradient(mode)
    exact = EXACT[:, 0]
    normal = np.abs(exact) >= np.finfo(np.float32).tiny  # CPUs flush subnormal results to 0
    ulps = np.abs(y - exact)[normal] / np.spacing(np.abs(exact[normal]).astype(np.float32))
    worst = int(np.argmax(ulps))
    assert ulps[worst] <= 8, (float(GRID[normal][worst]), float(ulps[worst]))
    assert np.all(np.abs(y[~normal]) <= np.finfo(np.float32).tiny)


@pytest.mark.parametrize("mode", ["eager", "fused", "unfused", "xla"])
def test_float32_gelu_gradient_on_a_dense_grid(mode):
    _, dy = _value_and_gradient(mode)
    exact = EXACT[:, 1]
    # test_numerics.py's float32 gradient bound: 1e-5 relative plus 4 ULP of 1
    np.testing.assert_allclose(dy, exact, rtol=1e-5, atol=4 * 2.0 ** -23)


def test_erfcx_rational_against_mpmath():
    z = np.linspace(0.0, 10.5, 4001)
    approx = (np.polynomial.polynomial.polyval(z, smooth._ERFCX_P)
              / np.polynomial.polynomial.polyval(z, smooth._ERFCX_Q))
    with mp.workdps(30):
        exact = np.array([float(mp.exp(mp.mpf(v) ** 2) * mp.erfc(mp.mpf(v))) for v in z])
    assert np.max(np.abs(approx / exact - 1)) < 2e-8
    # and like erfcx about 1 / (sqrt(pi) z) far out, where it multiplies exp(-z^2) = 0: finite
    assert smooth._ERFCX_P[-1] / smooth._ERFCX_Q[-1] == pytest.approx(1 / math.sqrt(math.pi), rel=1e-4)


def _ops_after_grappler(activation):
    """The op types TensorFlow runs for ``Dense(32)`` then ``activation`` in a graph,
    after Grappler's rewrites (the partition graphs of a v1 session)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [128, 32])
        h = tf.matmul(x, tf.ones([32, 32])) + tf.ones([32])
        y = activation(h)
        with tf.compat.v1.Session(graph=graph) as session:
            metadata = tf.compat.v1.RunMetadata()
            session.run(y, {x: np.ones([128, 32], np.float32)}, run_metadata=metadata,
                        options=tf.compat.v1.RunOptions(output_partition_graphs=True))
    return {node.op for g in metadata.partition_graphs for node in g.node}


def test_silu_is_not_rewritten_into_onednn_swish():
    """With oneDNN (TensorFlow's default on x86), Grappler turns ``x * sigmoid(x)``
    into ``_MklSwish``, which made a small model's training step 10% slower than with
    keras_acts's silu written another way; its ops must stay out of that pattern."""
    ours = _ops_after_grappler(keras_acts.activations.silu)
    assert "_MklSwish" not in ours and "Sigmoid" in ours, sorted(ours)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_hard_silu_gradient_is_one_select_of_tensors_and_exact(dtype):
    """In a small layer's graph the derivative costs one ``Select`` of two tensors of
    x's shape (broadcasting selects of scalars took half again the forward+backward
    time); it is 0 below -3, 1 above 3, ``(2 x + 3) / 6`` on [-3, 3] (exact in float64
    at these points) and NaN at NaN."""
    def gradient(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = keras_acts.get("hard_silu")(t)
        return tape.gradient(y, t)

    fn = tf.function(gradient, autograph=False)
    graph = fn.get_concrete_function(tf.TensorSpec([None, 32], dtype)).graph
    kinds = [op.type for op in graph.get_operations()]
    assert "SelectV2" not in kinds and kinds.count("Select") == 1, kinds
    x = np.array([-np.inf, -4, -3.5, -3, -1.5, 0, 1, 3, 3.25, 10, np.inf, np.nan], np.float64)
    x = np.tile(x, 32)[:32 * 12].reshape(12, 32)
    got = fn(tf.constant(x, dtype)).numpy()
    expected = np.where(x < -3, 0.0, np.where(x > 3, 1.0, (2 * x + 3) / 6))
    np.testing.assert_allclose(got, expected.astype(dtype.as_numpy_dtype), rtol=1e-7)
    assert np.isnan(got[np.isnan(x)]).all()
