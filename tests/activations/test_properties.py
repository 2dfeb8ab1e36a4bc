"""Property-based tests (hypothesis) for every function, 200 examples each.

Shape and dtype preserved; bounds; monotonicity and symmetry where the
function has them; eager, tf.function and XLA agree.
"""

import functools

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keras_acts

N = 16  # one fixed shape, so tf.function and XLA trace once per function
GATED = {"glu", "swiglu", "geglu", "reglu"}
AXIS_WISE = {"softmax", "log_softmax", "softmin", "sparsemax"}

BOUNDS = {  # closed intervals the output must lie in
    "sigmoid": (0, 1), "hard_sigmoid": (0, 1), "sparse_sigmoid": (0, 1), "softmax": (0, 1),
    "softmin": (0, 1), "sparsemax": (0, 1), "tanh": (-1, 1), "softsign": (-1, 1),
    "hard_tanh": (-1, 1), "relu": (0, np.inf), "relu6": (0, 6), "squared_relu": (0, np.inf),
    "softplus": (0, np.inf), "exponential": (0, np.inf), "sparse_plus": (0, np.inf),
    "squareplus": (0, np.inf), "log_sigmoid": (-np.inf, 0), "log_softmax": (-np.inf, 0),
    "elu": (-1, np.inf), "celu": (-1, np.inf), "selu": (-1.0507009873554805 * 1.6732632423543772, np.inf),
    "lisht": (0, np.inf), "threshold": (0, np.inf), "hard_mish": (-0.5, np.inf),
    "hard_silu": (-0.375, np.inf),
}
NON_DECREASING = {
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "sigmoid", "tanh", "softsign",
    "softplus", "exponential", "hard_sigmoid", "sparse_sigmoid", "log_sigmoid", "hard_tanh",
    "hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus", "squareplus", "threshold",
    "squared_relu", "rrelu",
}
ODD = {"linear", "tanh", "softsign", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "gcu"}
EVEN = {"lisht"}

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False, width=32)
vectors = hnp.arrays(np.float32, (N,), elements=finite)


@functools.lru_cache(maxsize=None)
def _compiled(name):
    fn = keras_acts.get(name)
    spec = tf.TensorSpec((N,), tf.float32)
    return (tf.function(fn, input_signature=[spec]),
            tf.function(fn, input_signature=[spec], jit_compile=True))


def _ulps(y):
    """8 ULP of ``y``, and at least float32's smallest normal: CPUs flush subnormal
    inputs and results to zero (TensorFlow sets FTZ/DAZ), so they may read as 0."""
    y = np.abs(np.asarray(y, np.float64))
    ulps = np.maximum(8 * np.spacing(np.minimum(y, 3e38).astype(np.float32)), np.finfo(np.float32).tiny)
    return np.where(np.isfinite(y), ulps, 0.0)


@pytest.mark.parametrize("name", keras_acts.list_activations())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=vectors)
def test_properties(name, x):
    fn = keras_acts.get(name)
    y = fn(x).numpy()

    assert y.dtype == np.float32
    assert y.shape == ((N // 2,) if name in GATED else (N,))

    if name in BOUNDS:
        low, high = BOUNDS[name]
        assert np.all(y >= low - _ulps(low)) and np.all(y <= high + _ulps(high)), (x, y)
    if name in ("softmax", "softmin", "sparsemax"):
        assert abs(float(y.sum(dtype=np.float64)) - 1.0) < 1e-5
    if name == "sparsemax":
        z = x.astype(np.float64) - x.max()
        # Exact zeros below the threshold: every entry more than 1 below the max is 0.
        assert np.all(y[z < -1.0] == 0.0)
    if name in NON_DECREASING:
        order = np.argsort(x, kind="stable")
        ys = y[order]
        assert np.all(ys[1:] >= ys[:-1] - _ulps(ys[1:])), (x[order], ys)
    if name in ODD:
        np.testing.assert_allclose(fn(-x).numpy(), -y, rtol=0, atol=0)
    if name in EVEN:
        np.testing.assert_array_equal(fn(-x).numpy(), y)
    if name == "sigmoid":
        np.testing.assert_allclose(fn(-x).numpy() + y, 1.0, atol=2e-7)

    graph, xla = _compiled(name)
    np.testing.assert_allclose(graph(x).numpy(), y, rtol=4e-6, atol=1e-30)
    np.testing.assert_allclose(xla(x).numpy(), y, rtol=4e-6, atol=1e-6)
