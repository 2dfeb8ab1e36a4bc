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
    # keras_acts's function of the same name computes the same values.
    ours = keras.layers.Dense(64, activation=getattr(keras_acts.activations, name))
    ours.build((None, 7))
    ours.set_weights(by_string.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), by_string(x).numpy(), rtol=2e-6, atol=1e-6)
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


@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_every_name_works_as_a_bare_string_in_dense_activation_and_get(name):
    x = tf.constant(np.linspace(-3, 3, 12, dtype="float32").reshape(3, 4))
    expected = keras.activations.get(name)(x)  # Keras's function for Keras's names
    np.testing.assert_array_equal(keras.layers.Activation(name)(x).numpy(), expected.numpy())
    assert keras.layers.Dense(2, activation=name).activation is keras.activations.get(name)
    ours = keras_acts.layers.Activation(name)(x)
    np.testing.assert_array_equal(ours.numpy(), keras_acts.get(name)(x).numpy())
    if name in OURS:
        assert keras.activations.get(name) is keras_acts.get(name)


@pytest.mark.parametrize(
    "text, reference",
    [
        ("leaky_relu(0.1)", lambda x: np.where(x > 0, x, 0.1 * x)),
        ("leaky_relu(negative_slope=0.1)", lambda x: np.where(x > 0, x, 0.1 * x)),
        ("elu(alpha=0.5)", lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
        ("gelu(approximate=True)",
         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
        ("Snake(frequency=2)", lambda x: x + np.sin(2 * x) ** 2 / 2),
        ("relu(max_value=1.0, threshold=0.5)", lambda x: np.where(x > 0.5, np.minimum(x, 1.0), 0)),
    ],
)
def test_parameterised_strings_in_keras_layers(text, reference):
    x = np.linspace(-3, 3, 13).reshape(1, 13)
    layer = keras.layers.Activation(text, dtype="float64")
    np.testing.assert_allclose(layer(x).numpy(), reference(x), rtol=1e-12, atol=1e-15)
    dense = keras.layers.Dense(3, activation=text)
    config = keras.activations.serialize(dense.activation)
    assert keras.activations.deserialize(config) == dense.activation
    assert keras_acts.get(text) == dense.activation


@pytest.mark.parametrize("text, message", [
    ("elu(alpha=)", "Could not parse"),
    ("elu(beta=2)", "beta"),
    ("elu(alpha=x)", "literals"),
    ("snake(frequency=-1)", "frequency"),
    ("lsiht(2)", "lisht"),
])
def test_bad_parameterised_strings_fail_at_construction(text, message):
    with pytest.raises(ValueError, match=message):
        keras.layers.Dense(2, activation=text)


@pytest.mark.parametrize("spelling", ["Leaky-ReLU", "LISHT", "gelu-approximate", "Hard_Swish"])
def test_forgiving_spellings_in_keras_layers(spelling):
    assert callable(keras.layers.Dense(2, activation=spelling).activation)


def test_keras_names_keep_kerass_function_in_any_spelling():
    assert keras.layers.Dense(2, activation="ReLU").activation is keras.activations.relu
    assert keras.layers.Dense(2, activation="Mish").activation is keras.activations.mish


def test_typo_in_a_keras_layer_names_the_closest_names():
    with pytest.raises(ValueError, match="Closest known names: 'lisht'"):
        keras.layers.Dense(2, activation="lsiht")
    with pytest.raises(ValueError, match="mish"):
        keras.layers.LSTM(2, recurrent_activation="mihs")


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
