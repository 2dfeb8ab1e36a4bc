"""Careless and hostile input: each case ends in a right answer or a clear error."""

import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import layers as L

AXIS_WISE = ["softmax", "log_softmax", "softmin", "sparsemax", "glu", "swiglu", "geglu", "reglu"]


@pytest.mark.parametrize("name", keras_acts.list_activations())
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4)])
def test_empty_tensors(name, shape):
    y = keras_acts.get(name)(tf.zeros(shape))
    assert y.dtype == tf.float32 and 0 in y.shape


@pytest.mark.parametrize("name", AXIS_WISE)
def test_rank_zero_and_axis_out_of_range(name):
    fn = keras_acts.get(name)
    with pytest.raises(ValueError, match="scalar"):
        fn(2.0)
    with pytest.raises(ValueError, match="axis"):
        fn(tf.zeros((2, 4)), axis=2)
    with pytest.raises(ValueError, match="axis"):
        fn(tf.zeros((2, 4)), axis=-3)


@pytest.mark.parametrize("identifier", ["", "lsiht", "Leaky ReLu!", 3, 2.5, object(), [1]])
def test_bad_identifiers_everywhere(identifier):
    for make in (keras_acts.get, L.Activation, lambda a: keras.layers.Dense(2, activation=a)):
        with pytest.raises(ValueError):
            make(identifier)


def test_unknown_dict_identifier():
    with pytest.raises((ValueError, TypeError), match="no_such_act"):
        keras_acts.get({"class_name": "function", "config": "keras_acts>no_such_act",
                        "module": "builtins", "registered_name": "function"})


@pytest.mark.parametrize("make, argument", [
    (lambda: L.ReLU(max_value=-1.0), "max_value"),
    (lambda: L.ReLU(negative_slope=None), "negative_slope"),
    (lambda: L.LeakyReLU(negative_slope=-0.5), "negative_slope"),
    (lambda: L.PReLU(alpha_initializer=None), "alpha_initializer"),
    (lambda: L.PReLU(shared_axes=[0]), "shared_axes"),
    (lambda: L.PReLU(shared_axes=[5]).build((None, 3, 4)), "shared_axes"),
    (lambda: L.Maxout(3).build((None, 8)), "num_units"),
    (lambda: L.Maxout(-1), "num_units"),
    (lambda: L.Rational(degrees=(0, 0)), "degrees"),
    (lambda: L.APL(hinges=0), "hinges"),
    (lambda: L.ELU(alpha="one"), "alpha"),
    (lambda: L.ThresholdedReLU(theta=-1), "theta"),
    (lambda: L.Softmax(axis=None), "axis"),
    (lambda: L.GELU(approximate=True, bogus=1), "bogus"),
    (lambda: L.Snake(frequency=0.0), "frequency"),
])
def test_bad_layer_arguments_fail_at_creation_or_build(make, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        make()


def test_truncated_or_corrupted_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="lisht")])
    good = tmp_path / "good.keras"
    model.save(good)
    data = good.read_bytes()
    (tmp_path / "truncated.keras").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.keras").write_bytes(b"not a model" * 50)
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as archive:
        archive.writestr("readme.txt", "no config")
    for name in ("truncated", "garbage", "empty"):
        with pytest.raises(ValueError, match="not a valid .keras file"):
            keras_acts.load_model(tmp_path / f"{name}.keras")
    with pytest.raises(FileNotFoundError, match="filepath"):
        keras_acts.load_model(tmp_path / "missing.keras")
    reloaded = keras_acts.load_model(good)
    x = np.ones((1, 3), np.float32)
    np.testing.assert_array_equal(reloaded(x).numpy(), model(x).numpy())


def test_lambda_activation_is_refused_in_safe_mode(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=lambda x: x * 2)])
    with pytest.warns(UserWarning, match="lambda"):
        model.save(tmp_path / "lambda.keras")
    with pytest.raises((ValueError, TypeError)):
        keras_acts.load_model(tmp_path / "lambda.keras")


@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_nan_is_never_turned_into_a_number(name):
    x = tf.constant([[np.nan, 1.0, -1.0, 0.5]])
    y = keras_acts.get(name)(x).numpy()
    assert np.isnan(y[0, 0]) or (name in AXIS_WISE and np.isnan(y).any()), y
