"""keras_acts names as `activation="name"` strings in every Keras layer that takes one."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import _keras_hook

OURS = [n for n in keras_acts.list_activations() if not _keras_hook.is_keras_name(n)]
SEED_NAMES = ["relu", "sigmoid", "softmax", "softplus", "softsign", "tanh", "selu", "elu",
              "exponential", "linear", "leaky_relu", "mish", "lisht", "gelu_tanh", "quick_gelu",
              "squared_relu", "snake"]


def test_at_least_five_names_keras_lacks():
    assert len(OURS) >= 5, OURS
    for name in ["lisht", "gelu_tanh", "quick_gelu", "squared_relu", "snake"]:
        assert name in OURS


@pytest.mark.parametrize("name", SEED_NAMES)
def test_dense_with_string_equals_dense_with_function(name):
    x = np.random.default_rng(0).normal(size=(5, 7)).astype("float32")
    by_string = keras.layers.Dense(64, activation=name)
    reference_fn = keras.activations.get(name)  # what Keras resolves the string to
    by_function = keras.layers.Dense(64, activation=reference_fn)
    by_string.build((None, 7))
    by_function.build((None, 7))
    by_function.set_weights(by_string.get_weights())
    np.testing.assert_array_equal(by_string(x).numpy(), by_function(x).numpy())
    if name in OURS:
        assert by_string.activation is keras_acts.get(name)
        direct = keras_acts.get(name)(x @ by_string.kernel.numpy() + by_string.bias.numpy())
        np.testing.assert_allclose(by_string(x).numpy(), direct.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda a: keras.layers.Dense(3, activation=a),
        lambda a: keras.layers.EinsumDense("ab,bc->ac", output_shape=3, activation=a),
        lambda a: keras.layers.Activation(a),
        lambda a: keras.layers.Conv1D(2, 3, activation=a),
        lambda a: keras.layers.Conv2D(2, 3, activation=a),
        lambda a: keras.layers.Conv3D(2, 3, activation=a),
        lambda a: keras.layers.Conv1DTranspose(2, 3, activation=a),
        lambda a: keras.layers.Conv2DTranspose(2, 3, activation=a),
        lambda a: keras.layers.Conv3DTranspose(2, 3, activation=a),
        lambda a: keras.layers.SeparableConv2D(2, 3, activation=a),
        lambda a: keras.layers.DepthwiseConv2D(3, activation=a),
        lambda a: keras.layers.SimpleRNN(2, activation=a),
        lambda a: keras.layers.LSTM(2, activation=a),
        lambda a: keras.layers.GRU(2, activation=a),
        lambda a: keras.layers.LSTM(2, recurrent_activation=a),
        lambda a: keras.layers.GRU(2, recurrent_activation=a),
    ],
    ids=["Dense", "EinsumDense", "Activation", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
         "Conv2DTranspose", "Conv3DTranspose", "SeparableConv2D", "DepthwiseConv2D", "SimpleRNN",
         "LSTM", "GRU", "LSTM-recurrent", "GRU-recurrent"],
)
@pytest.mark.parametrize("name", ["lisht", "gelu_approximate"])
def test_every_layer_accepts_keras_acts_names(make, name):
    layer = make(name)
    fn = keras_acts.get(name)
    cell = getattr(layer, "cell", layer)
    attribute = "recurrent_activation" if "recurrent" in repr(make.__code__.co_consts) else None
    used = [getattr(cell, "activation", None), getattr(cell, "recurrent_activation", None)]
    assert fn in used
    if attribute:
        assert cell.recurrent_activation is fn


@pytest.mark.parametrize("name", OURS)
def test_every_keras_acts_name_works_in_dense_and_activation(name):
    x = tf.constant(np.linspace(-3, 3, 12, dtype="float32").reshape(3, 4))
    out = keras.layers.Activation(name)(x)
    np.testing.assert_array_equal(out.numpy(), keras_acts.get(name)(x).numpy())
    assert keras.layers.Dense(2, activation=name).activation is keras_acts.get(name)


def test_the_issue_model_builds_and_runs():
    model = keras.Sequential([
        keras.Input((23,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(8, activation="lisht"),
        keras_acts.layers.PReLU(),
        keras.layers.Dense(4, activation="softmax"),
    ])
    out = model(np.ones((3, 23), "float32")).numpy()
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    assert model.layers[1].activation is keras_acts.activations.lisht
