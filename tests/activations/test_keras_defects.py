"""One test per Keras 3.15 defect listed in design.md: keras_acts gets each right.

References are the mathematical values (float64 formulas, limits), not Keras's outputs.
"""

import math

import mpmath

import numpy as np
import pytest
import tensorflow as tf

from keras_acts import activations as A

HALF = [tf.float16, tf.bfloat16]
ALL = [tf.float16, tf.bfloat16, tf.float32, tf.float64]


def _value(fn, values, dtype, **kwargs):
    return tf.cast(fn(tf.constant(values, dtype), **kwargs), tf.float64).numpy()


def _grad(fn, values, dtype, **kwargs):
    x = tf.constant(values, dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x, **kwargs)
    return tf.cast(tape.gradient(y, x), tf.float64).numpy()


def test_sparsemax_with_several_nonzero_outputs():  # keras-team/keras#23425
    np.testing.assert_allclose(A.sparsemax([1.0, 1.0, 1.0]).numpy(), [1 / 3] * 3, rtol=1e-6)
    # Projection onto the simplex by hand: tau = (1.2 + 0.5 - 1) / 2.
    np.testing.assert_allclose(A.sparsemax(tf.constant([0.5, 1.2, -1.0], tf.float64)).numpy(),
                               [0.15, 0.85, 0.0], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dtype", ALL)
def test_sparsemax_large_logits_stay_finite(dtype):
    big = float(dtype.max) / 2
    out = _value(A.sparsemax, [[big, big, -big], [10.0, 9.5, 0.0]], dtype)
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.0], [0.75, 0.25, 0.0]], atol=1e-2)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("dtype", ALL)
def test_celu_derivative_at_zero_is_one(dtype):
    assert _grad(A.celu, [0.0], dtype)[0] == 1.0
    assert _grad(A.celu, [0.0], dtype, alpha=2.0)[0] == 1.0


def test_elu_uses_expm1():
    got = _value(A.elu, [-1e-7], tf.float32)[0]
    expected = math.expm1(float(np.float32(-1e-7)))
    assert abs(got - expected) <= abs(np.spacing(np.float32(expected)))
    assert _value(A.elu, [-1e-3], tf.bfloat16)[0] == pytest.approx(math.expm1(-1e-3), rel=1e-2)
    assert _value(A.selu, [-1e-3], tf.bfloat16)[0] == pytest.approx(
        1.0507009873554805 * 1.6732632423543772 * math.expm1(-1e-3), rel=1e-2)


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("name", ["silu", "gelu", "gelu_tanh", "mish", "hard_silu"])
def test_self_gated_functions_are_zero_at_minus_infinity(name, dtype):
    fn = getattr(A, name)
    out = _value(fn, [-math.inf, math.inf, -1e4], dtype)
    assert out[0] == 0.0 and out[1] == math.inf and abs(out[2]) < 1e-30
    assert np.all(np.isfinite(_grad(fn, [-math.inf, -1e4, 1e4], dtype)))


@pytest.mark.parametrize("dtype", ALL)
def test_softsign_at_infinity(dtype):
    np.testing.assert_array_equal(_value(A.softsign, [-math.inf, math.inf], dtype), [-1.0, 1.0])


def test_squareplus_float16_does_not_overflow():
    x = np.array([-6e4, -1e3, -257.0, 257.0, 1e3, 6e4])
    got = _value(A.squareplus, x, tf.float16)
    expected = (x + np.sqrt(x * x + 4)) / 2
    np.testing.assert_allclose(got, expected, rtol=1.5e-3)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("dtype", HALF)
def test_approximate_gelu_gradient_finite_for_large_inputs(dtype):
    g = _grad(A.gelu_tanh, [-1e4, -257.0, 257.0, 1e4], dtype)
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("name", ["hard_shrink", "soft_shrink", "threshold"])
def test_shrinkage_keeps_nan(name):
    out = getattr(A, name)([math.nan, 2.0]).numpy()
    assert math.isnan(out[0])


def test_leaky_relu_slope_is_exact_in_float64():
    x = tf.constant([-1.0], tf.float64)
    assert A.leaky_relu(x, negative_slope=0.1).numpy()[0] == -0.1  # float64 0.1, not float32's


def test_hard_sigmoid_is_kerass_3_definition():
    x = np.array([-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0])
    np.testing.assert_allclose(A.hard_sigmoid(x).numpy(), np.clip(x + 3, 0, 6) / 6, rtol=1e-15)


@pytest.mark.parametrize("dtype", ALL)
def test_tanh_shrink_near_zero_has_full_relative_precision(dtype):
    x = np.array([1e-3, 1e-2, -0.05]) if dtype.size > 2 else np.array([0.0625, -0.125])
    rounded = tf.cast(tf.constant(x, dtype), tf.float64).numpy()
    mpmath.mp.dps = 40
    expected = np.array([float(mpmath.mpf(v) - mpmath.tanh(v)) for v in rounded])
    got = _value(A.tanh_shrink, rounded, dtype)
    tolerance = {tf.float16: 1.5e-3, tf.bfloat16: 1.2e-2, tf.float32: 1e-6, tf.float64: 1e-14}
    np.testing.assert_allclose(got, expected, rtol=tolerance[dtype])
