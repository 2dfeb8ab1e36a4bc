"""keras_acts/activations/_base.py: the helpers formulas share."""

import numpy as np
import pytest
import tensorflow as tf

from keras_acts.activations._base import expm1_nonpositive

GRID = np.unique(np.concatenate([
    np.linspace(-90.0, 0.0, 20001), -np.geomspace(1e-30, 90.0, 4001), [0.0, -0.5, -np.inf],
]).astype(np.float32))


# TensorFlow's own expm1 outside XLA (2.6 ULP off near -0.27): the project's 8 ULP bound;
# the form XLA runs is the one written here.
@pytest.mark.parametrize("jit, bound", [(False, 8.0), (True, 2.0)], ids=["tensorflow", "xla"])
def test_expm1_nonpositive_accuracy(jit, bound):
    fn = tf.function(expm1_nonpositive, jit_compile=True) if jit else expm1_nonpositive
    got = fn(tf.constant(GRID)).numpy().astype(np.float64)
    exact = np.expm1(GRID.astype(np.float64))  # float64's expm1: exact to float32's precision
    ulps = np.abs(got - exact) / np.spacing(np.abs(exact).astype(np.float32))
    assert np.all(ulps[exact != 0] <= bound), float(GRID[np.argmax(ulps)])
    assert got[GRID == 0][0] == 0.0 and got[GRID == -np.inf][0] == -1.0
    assert np.isnan(fn(tf.constant([np.nan], tf.float32)).numpy()[0])
