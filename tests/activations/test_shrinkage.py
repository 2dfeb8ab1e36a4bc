"""keras_acts/activations/shrinkage.py: tanh_shrink's two float32 forms, on a dense grid.

Inside XLA float32 tanh_shrink is a fitted rational function; outside it (small tensors in a graph,
or with fusion off) float64's ``x - tanh(x)`` and, near 0, the series' first term.
Both are checked here against 40-digit mpmath values, where the numerics harness
(which runs eagerly, fused and under XLA) reaches only the first.
"""

import mpmath as mp
import numpy as np
import pytest
import tensorflow as tf

import keras_acts

GRID = np.unique(np.concatenate([
    np.linspace(-6.0, 6.0, 2001), np.geomspace(1e-30, 20.0, 1500), -np.geomspace(1e-30, 20.0, 1500),
    [0.0, 1.0, -1.0], np.float32(2e-4) * (1 + np.arange(-50, 51) * 2.0**-23),  # the series' edge
    np.linspace(6.0, 12.0, 601), np.float32(9.0) * (1 + np.arange(-50, 51) * 2.0**-23),  # the rational's
]).astype(np.float32))

with mp.workdps(40):
    EXACT = np.array([float(mp.mpf(float(v)) - mp.tanh(mp.mpf(float(v)))) for v in GRID])


# float64's subtraction rounds once (within 1 ULP); the rational function's float32
# evaluation is within 4.3 ULP (tools/fit_tanh_shrink.py).
@pytest.mark.parametrize("fused, bound", [(False, 1.0), (True, 5.0)], ids=["unfused", "xla"])
def test_float32_tanh_shrink_on_a_dense_grid(fused, bound):
    keras_acts.config.set_xla_fusion(fused, from_elements=0 if fused else None)
    try:
        fn = tf.function(keras_acts.activations.tanh_shrink, autograph=False)
        got = fn(tf.constant(GRID)).numpy().astype(np.float64)
    finally:
        keras_acts.config.set_xla_fusion(True)
    normal = np.abs(EXACT) >= np.finfo(np.float32).tiny  # CPUs flush subnormal results to 0
    ulps = np.abs(got - EXACT)[normal] / np.spacing(np.abs(EXACT[normal]).astype(np.float32))
    worst = int(np.argmax(ulps))
    assert ulps[worst] <= bound, (float(GRID[normal][worst]), float(ulps[worst]))
    assert np.all(np.abs(got[~normal]) <= np.finfo(np.float32).tiny)
    assert np.array_equal(np.sign(got[normal]), np.sign(EXACT[normal]))
