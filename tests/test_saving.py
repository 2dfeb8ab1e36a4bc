"""Saved models reload bit-exact in a fresh process; Keras-only models need no keras_acts."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_acts
from keras_acts import activations as A

USER_MODULE = '''
import tensorflow as tf
import keras_acts


@keras_acts.register_activation
def scaled_tanh_saving_test(x):
    return 1.7159 * tf.math.tanh(2.0 / 3.0 * x)
'''


def _fresh_python(code, *, cwd, extra_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(extra_path), os.environ.get("PYTHONPATH", "")]),
               TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _perturb_weights(model, seed):
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(weight.numpy() + rng.normal(scale=0.3, size=weight.shape).astype(weight.dtype))


def _models(user_fn):
    inputs = keras.Input((6,))
    x = keras.layers.Dense(8, activation="lisht")(inputs)
    x = keras.layers.Dense(8, activation="gelu_approximate")(x)
    x = keras_acts.layers.PReLU()(x)
    x = keras.layers.Dense(8, activation="scaled_tanh_saving_test")(x)
    x = keras_acts.layers.LeakyReLU(alpha=0.1)(x)
    x = keras_acts.layers.Activation("snake")(x)
    x = A.relu(x, max_value=2.0, negative_slope=0.05)  # options bound into a saved layer
    x = keras.layers.Dense(8, activation=keras_acts.activations.relu)(x)  # keras_acts's own relu
    x = keras.layers.Dense(8, activation="leaky_relu(0.1)")(x)  # parameterised strings
    x = keras.layers.Dense(8, activation="elu(alpha=0.5)")(x)
    x = keras.layers.Dense(8, activation="Gelu(approximate=True)")(x)
    x = keras.layers.Dense(8, activation=keras_acts.layers.PReLU())(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    mixed = keras.Model(inputs, outputs)

    sequence = keras.Sequential([
        keras.Input((5, 4)),
        keras.layers.Conv1D(4, 2, activation="mish"),
        keras.layers.LSTM(3, activation="quick_gelu", recurrent_activation="squared_relu"),
        keras.layers.Dense(2, activation=user_fn),
    ])

    keras_only = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(8, activation="mish"),  # Keras's own mish, a plain string
        keras.layers.Dense(3, activation="softmax"),
    ])
    return {"mixed": (mixed, (4, 6)), "sequence": (sequence, (4, 5, 4)),
            "keras_only": (keras_only, (4, 6))}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    (folder / "user_acts_saving_test.py").write_text(USER_MODULE)
    sys.path.insert(0, str(folder))
    try:
        import user_acts_saving_test
    finally:
        sys.path.remove(str(folder))
    for i, (name, (model, shape)) in enumerate(_models(user_acts_saving_test.scaled_tanh_saving_test).items()):
        _perturb_weights(model, i)
        x = np.random.default_rng(100 + i).normal(size=shape).astype("float32")
        model.save(folder / f"{name}.keras")
        np.save(folder / f"{name}_x.npy", x)
        np.save(folder / f"{name}_y.npy", model.predict(x, verbose=0))
    return folder


RELOAD = '''
import sys
import numpy as np
{imports}
import keras
folder = {folder!r}
for name in {names!r}:
    model = keras.saving.load_model(f"{{folder}}/{{name}}.keras")
    x = np.load(f"{{folder}}/{{name}}_x.npy")
    expected = np.load(f"{{folder}}/{{name}}_y.npy")
    got = model.predict(x, verbose=0)
    assert got.dtype == expected.dtype and got.shape == expected.shape, name
    assert np.array_equal(got, expected), (name, np.abs(got - expected).max())
    print("reloaded", name)
print("keras_acts imported:", "keras_acts" in sys.modules)
'''


def test_models_reload_bit_exact_in_a_fresh_process(saved):
    code = RELOAD.format(imports="import keras_acts\nimport user_acts_saving_test",
                         folder=str(saved), names=["mixed", "sequence", "keras_only"])
    out = _fresh_python(code, cwd=saved, extra_path=saved)
    assert out.count("reloaded") == 3
    assert "keras_acts imported: True" in out


def test_keras_only_model_loads_without_keras_acts(saved):
    code = RELOAD.format(imports="", folder=str(saved), names=["keras_only"])
    out = _fresh_python(code, cwd=saved, extra_path=saved)
    assert "reloaded keras_only" in out
    assert "keras_acts imported: False" in out


def test_saved_config_names_keras_acts_package(saved):
    import zipfile

    with zipfile.ZipFile(saved / "mixed.keras") as archive:
        config = archive.read("config.json").decode()
    assert "keras_acts>lisht" in config and "keras_acts>PReLU" in config
    assert "Custom>scaled_tanh_saving_test" in config
    with zipfile.ZipFile(saved / "keras_only.keras") as archive:
        config = archive.read("config.json").decode()
    assert "keras_acts" not in config
