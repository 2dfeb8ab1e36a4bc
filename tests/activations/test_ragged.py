"""RaggedTensor inputs, which Keras's functions take (TensorFlow's ops dispatch on them)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import registry

VALUES = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 4.0, -0.25], np.float32)
LENGTHS = [3, 1, 0, 3]  # an empty row too
ALONG_AN_AXIS = {"softmax", "gated"}


def _ragged(values=VALUES):
    return tf.RaggedTensor.from_row_lengths(tf.constant(values), LENGTHS)


def _rows(values=VALUES):
    edges = np.cumsum([0] + LENGTHS)
    return [values[a:b] for a, b in zip(edges[:-1], edges[1:])]


ELEMENTWISE = [s.name for s in registry.specs() if s.family not in ALONG_AN_AXIS | {"user"}]
ROWWISE = [s.name for s in registry.specs() if s.family == "softmax"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_functions_keep_the_rows(name):
    fn = keras_acts.get(name)
    got = fn(_ragged())
    assert isinstance(got, tf.RaggedTensor)
    assert got.row_lengths().numpy().tolist() == LENGTHS
    np.testing.assert_array_equal(got.flat_values.numpy(), fn(tf.constant(VALUES)).numpy())
    keras_fn = getattr(keras.activations, name, None)
    if keras_fn is not None and name != "threshold":  # Keras's own gives a ragged tensor too
        assert keras_fn(_ragged()).row_lengths().numpy().tolist() == LENGTHS


@pytest.mark.parametrize("name", ROWWISE)
@pytest.mark.parametrize("graph", [False, True])
def test_functions_along_a_ragged_last_axis_take_each_row_alone(name, graph):
    fn = keras_acts.get(name)
    values = tf.constant(VALUES)
    weights = np.arange(len(VALUES), dtype=np.float32)

    def value_and_gradient(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            y = fn(tf.RaggedTensor.from_row_lengths(v, LENGTHS))
            total = tf.reduce_sum(y.flat_values * weights)
        return y, tf.convert_to_tensor(tape.gradient(total, v))

    run = tf.function(value_and_gradient, autograph=False) if graph else value_and_gradient
    y, gradient = run(values)
    assert y.row_lengths().numpy().tolist() == LENGTHS
    edges = np.cumsum([0] + LENGTHS)
    for row, a, b in zip(_rows(), edges[:-1], edges[1:]):
        if not len(row):
            continue
        dense = tf.constant(row[None])
        with tf.GradientTape() as tape:
            tape.watch(dense)
            expected = fn(dense)
            total = tf.reduce_sum(expected * weights[a:b])
        np.testing.assert_allclose(y.flat_values.numpy()[a:b], expected.numpy()[0], rtol=1e-6)
        # the gradient subtracts sums of weights up to 6: float32 steps of 6 apart at most
        np.testing.assert_allclose(gradient.numpy()[a:b], tape.gradient(total, dense).numpy()[0],
                                   rtol=1e-5, atol=4 * 6 * 2.0 ** -24)
    if name == "softmax":
        np.testing.assert_allclose(y.flat_values.numpy(),
                                   keras.activations.softmax(_ragged()).flat_values.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "glu", "swiglu"])
def test_an_axis_after_the_ragged_ones_is_the_flat_values_own(name):
    fn = keras_acts.get(name)
    flat = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32)
    x = tf.RaggedTensor.from_row_lengths(tf.constant(flat), [2, 0, 4])
    got = fn(x)
    assert got.row_lengths().numpy().tolist() == [2, 0, 4]
    np.testing.assert_array_equal(got.flat_values.numpy(), fn(tf.constant(flat)).numpy())
    np.testing.assert_array_equal(fn(x, axis=2).flat_values.numpy(), got.flat_values.numpy())


def test_a_ragged_axis_other_than_the_last_is_a_value_error_naming_axis():
    x = tf.RaggedTensor.from_row_lengths(tf.zeros((6, 4)), [2, 0, 4])
    with pytest.raises(ValueError, match="`axis`=1"):
        keras_acts.activations.softmax(x, axis=1)
    with pytest.raises(ValueError, match="after the ragged ones"):
        keras_acts.activations.glu(_ragged())  # a ragged last axis cannot be halved
    assert keras_acts.activations.elu(_ragged(), alpha=0.5).row_lengths().numpy().tolist() == LENGTHS


@pytest.mark.parametrize("name", ROWWISE)
def test_rows_of_integers_nested_rows_and_a_uniform_row_length(name):
    fn = keras_acts.get(name)
    integers = tf.RaggedTensor.from_row_lengths(tf.constant([1, 2, 3]), [2, 1])
    got = fn(integers)  # integers give floatx(), as for dense inputs
    assert got.dtype == tf.float32
    np.testing.assert_array_equal(got.flat_values.numpy(),
                                  fn(tf.ragged.constant([[1.0, 2.0], [3.0]])).flat_values.numpy())
    uniform = tf.RaggedTensor.from_uniform_row_length(tf.range(6.0), 3)
    assert fn(uniform).shape.as_list() == [2, 3]  # the static row length is kept
    np.testing.assert_allclose(fn(uniform).flat_values.numpy(),
                               tf.reshape(fn(tf.reshape(tf.range(6.0), [2, 3])), [-1]).numpy(), rtol=4e-7)
    nested = tf.ragged.constant([[[1.0, 5.0], [2.0]], [], [[0.5, -1.0, 3.0]]])
    rows = [fn(tf.constant([row])).numpy()[0] for batch in nested.to_list() for row in batch]
    # padded rows may take the careful form where a dense row takes the kernel: a step apart
    np.testing.assert_allclose(fn(nested).flat_values.numpy(), np.concatenate(rows), rtol=4e-7)
