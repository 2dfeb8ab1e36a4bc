"""keras_acts.activations.softmax: rows at the edge of the float range.

The careful form handles +inf by replacing it with the largest finite value;
these rows check that finite logits at or one step below that value are still
told apart from +inf, in every run mode (eagerly, in a graph, inside XLA).
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import keras_acts

MODES = {
    "eager": lambda f: f,
    "graph": lambda f: tf.function(f, autograph=False),
    "xla": lambda f: tf.function(f, autograph=False, jit_compile=True),
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax_tells_the_largest_finite_logits_from_infinity(mode, dtype):
    big = np.finfo(dtype).max
    below = np.nextafter(big, dtype(0))
    inf = np.inf
    rows = np.array([[inf, big, 0], [big, below, 0], [big, big, 0], [inf, inf, big]], dtype)
    # softmax's limits: one +inf takes all; below - big is -(spacing) = about -2^104 in
    # float32, so exp of it is 0; two +inf entries have no limit (NaN), finite ones 0.
    expected = np.array([[1, 0, 0], [1, 0, 0], [0.5, 0.5, 0], [np.nan, np.nan, 0]], dtype)
    got = MODES[mode](lambda t: keras_acts.activations.softmax(t))(tf.constant(rows)).numpy()
    np.testing.assert_array_equal(got, expected)
