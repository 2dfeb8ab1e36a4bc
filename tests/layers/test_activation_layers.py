"""Activation, LeakyReLU and PReLU layers."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import layers as L
from keras_acts.layers import Activation, LeakyReLU, PReLU

X = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]], np.float32)


@pytest.mark.parametrize(
    "identifier",
    ["lisht", "LiSHT", "relu", "hard_silu", None, keras_acts.activations.mish,
     {"module": "builtins", "class_name": "function", "config": "keras_acts>snake",
      "registered_name": "function"}],
)
def test_activation_accepts_any_identifier_get_accepts(identifier):
    layer = Activation(identifier)
    np.testing.assert_array_equal(layer(X).numpy(), keras_acts.get(identifier)(X).numpy())
    clone = Activation.from_config(layer.get_config())
    assert clone.activation is layer.activation


def test_activation_unknown_name_names_closest():
    with pytest.raises(ValueError, match="lisht"):
        Activation("lsiht")


@pytest.mark.parametrize("kwargs, slope", [({}, 0.3), ({"alpha": 0.1}, 0.1),
                                           ({"negative_slope": 0.05}, 0.05)])
def test_leaky_relu_spellings(kwargs, slope):
    layer = LeakyReLU(**kwargs)
    np.testing.assert_allclose(layer(X).numpy(), np.where(X > 0, X, slope * X), rtol=1e-7)
    assert LeakyReLU.from_config(layer.get_config()).negative_slope == pytest.approx(slope)


def test_leaky_relu_rejects_conflicting_or_negative_slopes():
    with pytest.raises(ValueError, match="alpha"):
        LeakyReLU(alpha=0.1, negative_slope=0.2)
    with pytest.raises(ValueError, match="negative_slope"):
        LeakyReLU(negative_slope=-0.1)


def test_prelu_default_is_relu_and_learns():
    layer = PReLU()
    np.testing.assert_array_equal(layer(X).numpy(), np.maximum(X, 0))
    assert layer.alpha.shape == (5,)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(X))
    grad = tape.gradient(loss, layer.alpha)
    np.testing.assert_allclose(grad.numpy(), np.minimum(X[0], 0))


def test_prelu_formula_with_torch_like_initialisation():
    layer = PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    np.testing.assert_allclose(layer(X).numpy(), np.where(X > 0, X, 0.25 * X))


def test_prelu_negative_shared_axes_count_from_the_end():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")
    assert PReLU(shared_axes=-1)(x) is not None
    layer = PReLU(shared_axes=-1)
    layer.build((None, 3, 4, 5))
    assert tuple(layer.alpha.shape) == (3, 4, 1)
    layer = PReLU(shared_axes=[1, 2])
    layer.build((None, 3, 4, 5))
    assert tuple(layer.alpha.shape) == (1, 1, 5)


def test_prelu_variable_dimension_is_shared():
    inputs = keras.Input((None, 6))
    layer = PReLU()
    outputs = layer(inputs)
    assert tuple(layer.alpha.shape) == (1, 6)  # weights exist once built symbolically
    model = keras.Model(inputs, outputs)
    for length in (2, 7):
        x = np.random.default_rng(length).normal(size=(3, length, 6)).astype("float32")
        np.testing.assert_array_equal(model(x).numpy(), np.maximum(x, 0))


def test_prelu_rejects_bad_shared_axes():
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU(shared_axes=0)
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU(shared_axes=[4]).build((None, 3, 4))
    with pytest.raises(TypeError, match="`shared_axes`.*float"):
        PReLU(shared_axes=1.0)
    with pytest.raises(TypeError, match="`shared_axes`.*str"):
        PReLU(shared_axes="1")


@pytest.mark.parametrize("make, argument, error", [
    (lambda: L.ReLU(max_value=True), "max_value", TypeError),
    (lambda: L.ReLU(max_value=float("nan")), "max_value", ValueError),
    (lambda: L.ReLU(max_value="6"), "max_value", TypeError),
    (lambda: L.ReLU(threshold=np.nan), "threshold", ValueError),
    (lambda: L.ReLU(negative_slope=False), "negative_slope", TypeError),
    (lambda: L.ELU(alpha=True), "alpha", TypeError),
    (lambda: L.ThresholdedReLU(theta=float("nan")), "theta", ValueError),
    (lambda: L.LeakyReLU(negative_slope=True), "negative_slope", TypeError),
    (lambda: L.Softmax(axis="1"), "axis", TypeError),
    (lambda: L.Softmax(axis=(1, 2.0)), "axis", TypeError),
    (lambda: L.Maxout(2.0), "num_units", TypeError),
    (lambda: L.Maxout(0), "num_units", ValueError),
    (lambda: L.Maxout(2, axis=1.0), "axis", TypeError),
    (lambda: L.APL(hinges=2.0), "hinges", TypeError),
    (lambda: L.PReLU(per_channel="yes"), "per_channel", TypeError),
    (lambda: L.PReLU(alpha_initializer=float("nan")), "alpha_initializer", ValueError),
    (lambda: L.PReLU(shared_axes=[1, 1.5]), "shared_axes", TypeError),
])
def test_layers_refuse_bools_and_nan_as_numbers(make, argument, error):
    # True would act as 1 and NaN would make every output NaN: both are slips
    with pytest.raises(error, match=f"`{argument}`"):
        make()


def test_prelu_config_round_trip():
    layer = PReLU(alpha_initializer="ones", alpha_regularizer="l2", alpha_constraint="non_neg",
                  shared_axes=[1])
    clone = PReLU.from_config(layer.get_config())
    assert clone.shared_axes == (1,)
    assert isinstance(clone.alpha_regularizer, keras.regularizers.L2)
    assert isinstance(clone.alpha_constraint, keras.constraints.NonNeg)


def test_prelu_as_activation_of_dense_is_tracked():
    dense = keras.layers.Dense(4, activation=PReLU(alpha_initializer="ones"))
    model = keras.Sequential([keras.Input((3,)), dense])
    model(np.ones((1, 3), np.float32))
    assert any("alpha" in w.path for w in model.weights)


def test_layers_registered_under_package_name():
    for cls in (Activation, LeakyReLU, PReLU):
        assert keras.saving.get_registered_name(cls) == f"keras_acts>{cls.__name__}"
        instance = cls("mish") if cls is Activation else cls()
        assert type(keras.layers.deserialize(keras.layers.serialize(instance))) is cls


@pytest.mark.parametrize("make, plain", [
    (lambda: L.ReLU(max_value=np.float32(6), negative_slope=np.float64(0.1), threshold=np.float32(0.5)),
     lambda: L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5)),
    (lambda: L.ELU(alpha=np.float32(0.5)), lambda: L.ELU(alpha=0.5)),
    (lambda: L.LeakyReLU(negative_slope=np.float32(0.25)), lambda: L.LeakyReLU(negative_slope=0.25)),
    (lambda: L.ThresholdedReLU(theta=np.int64(1)), lambda: L.ThresholdedReLU(theta=1)),
    (lambda: L.PReLU(alpha_initializer=np.float32(0.25)), lambda: L.PReLU(alpha_initializer=0.25)),
    (lambda: L.CELU(alpha=tf.constant(0.5)), lambda: L.CELU(alpha=0.5)),
    (lambda: L.Softmin(axis=np.int64(1)), lambda: L.Softmin(axis=1)),
    (lambda: L.GLU(axis=np.int32(1)), lambda: L.GLU(axis=1)),
    (lambda: L.Maxout(np.int64(4)), lambda: L.Maxout(4)),
    (lambda: L.PReLU(shared_axes=np.int64(1), per_channel=np.bool_(False)),
     lambda: L.PReLU(shared_axes=1, per_channel=False)),
], ids=["ReLU", "ELU", "LeakyReLU", "ThresholdedReLU", "PReLU", "CELU-tensor", "Softmin-axis",
        "GLU-axis", "Maxout", "PReLU-sharing"])
def test_numpy_scalars_are_taken_as_the_numbers_they_hold(make, plain):
    """As Keras's layers take them (its ReLU(max_value=np.float32(6)) works); the config
    holds Python numbers, which JSON saves."""
    x = np.linspace(-8, 8, 33, dtype=np.float32)[1:].reshape(1, -1)  # 0 in it; even for GLU
    layer, reference = make(), plain()
    np.testing.assert_array_equal(layer(x).numpy(), reference(x).numpy())
    config, expected = layer.get_config(), reference.get_config()
    config.pop("name"), expected.pop("name")  # each layer's own
    assert json.dumps(config) == json.dumps(expected)


def test_functions_take_numpy_scalars_as_keyword_values():
    x = tf.constant([-2.0, -0.5, 1.0])
    acts = keras_acts.activations
    np.testing.assert_array_equal(acts.celu(x, alpha=np.float32(0.5)).numpy(), acts.celu(x, alpha=0.5).numpy())
    np.testing.assert_array_equal(acts.squareplus(x, np.float32(2.0)).numpy(), acts.squareplus(x, 2.0).numpy())
    np.testing.assert_array_equal(acts.snake(x, frequency=np.int32(2)).numpy(), acts.snake(x, frequency=2).numpy())


@pytest.mark.parametrize("make", [lambda: L.GLU(axis=1), lambda: Activation("glu(axis=1)"),
                                  lambda: Activation(lambda t: keras_acts.activations.glu(t, axis=1))],
                         ids=["GLU(axis=1)", "Activation('glu(axis=1)')", "Activation(a user's function)"])
def test_a_gated_unit_that_halves_the_time_axis_drops_its_mask(make):
    # the mask of 6 steps went on to 3 steps, and an LSTM after failed
    x = np.ones((2, 6, 8), "float32")
    mask = tf.constant([[True] * 6, [True] * 4 + [False] * 2])
    assert make().compute_mask(x, mask) is None
    inputs = keras.Input((6, 8))
    outputs = keras.layers.LSTM(3)(make()(keras.layers.Masking(0.0)(inputs)))
    assert keras.Model(inputs, outputs)(x).shape == (2, 3)


@pytest.mark.parametrize("make", [lambda: L.GLU(), lambda: Activation("swiglu"), lambda: L.Mish(),
                                  lambda: Activation("softmax")], ids=["GLU", "swiglu", "Mish", "softmax"])
def test_a_layer_that_keeps_the_time_steps_keeps_the_mask(make):
    x = np.ones((2, 6, 8), "float32")
    mask = tf.constant([[True] * 6, [True] * 4 + [False] * 2])
    np.testing.assert_array_equal(make().compute_mask(x, mask).numpy(), mask.numpy())


def test_every_function_layer_pickles_and_keeps_its_options():
    # the generated classes were not where their __module__ said: PicklingError
    import pickle

    made = [c for c in vars(L).values()
            if isinstance(c, type) and issubclass(c, L.FunctionLayer) and c is not L.FunctionLayer]
    assert len(made) > 30
    x = np.linspace(-3, 3, 24, dtype="float32").reshape(2, 12)
    for cls in made:
        layer, name = cls(), cls.__name__
        again = pickle.loads(pickle.dumps(layer))
        assert type(again) is type(layer)
        np.testing.assert_array_equal(again(x).numpy(), layer(x).numpy(), err_msg=name)
    configured = pickle.loads(pickle.dumps(L.CELU(alpha=0.5)))
    assert configured.get_config()["alpha"] == 0.5


def test_a_masked_eager_call_does_not_trace_a_users_function_each_time():
    # whether the mask holds was found by tracing the function on every masked call
    calls = []

    def doubled(t):
        calls.append(t)
        return t * 2

    layer = Activation(doubled)
    x = keras.layers.Masking(0.0)(np.ones((2, 6, 8), "float32"))
    layer(x)
    first = len(calls)
    for _ in range(5):
        layer(x)
    assert len(calls) - first == 5  # the calls themselves, no more traces
