"""The one place touching keras.src: fails loudly if Keras moves its table."""

import keras
import pytest

import keras_acts
from keras_acts import _keras_hook
from keras_acts.activations import lisht


def test_hook_found_kerass_table():
    assert _keras_hook.installed(), (
        "keras_acts/_keras_hook.py no longer finds keras.src.activations.ALL_OBJECTS_DICT "
        f"in Keras {keras.__version__}: string names of keras_acts activations are broken."
    )


def test_hook_builds_activation_layers_with_their_host():
    assert _keras_hook.BUILDS_WITH_HOST, (
        f"keras_acts/_keras_hook.py no longer finds Layer._post_build in Keras "
        f"{keras.__version__}: layers passed as activation= are built late."
    )
    dense = keras.layers.Dense(3, activation=keras_acts.layers.PReLU())
    dense.build((None, 2))
    assert dense.activation.built, (
        f"Keras {keras.__version__} no longer calls Layer._post_build after build: "
        "see keras_acts/_keras_hook.py."
    )


def test_hosts_without_a_known_activation_shape_build_it_lazily():
    class Host(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activation = keras_acts.layers.PReLU()

        def build(self, input_shape):
            pass

        def call(self, x):
            return self.activation(x[..., :1])

    host = Host()
    host.build((None, 4))
    assert not host.activation.built
    assert tuple(host(keras.ops.ones((2, 4))).shape) == (2, 1)
    assert tuple(host.activation.alpha.shape) == (1,)


def test_kerass_get_reads_the_table():
    # If Keras's get stops consulting ALL_OBJECTS_DICT, this is the test that says so.
    assert keras.activations.get("lisht") is lisht, (
        f"keras.activations.get in Keras {keras.__version__} no longer reads the table "
        "keras_acts extends; see keras_acts/_keras_hook.py."
    )


def test_kerass_own_names_are_untouched():
    import keras.src.activations as keras_activations_module

    for name in ["relu", "gelu", "silu", "swish", "mish", "softmax", "elu", "selu", "linear",
                 "leaky_relu", "sigmoid", "tanh", "softplus", "softsign", "exponential"]:
        fn = keras.activations.get(name)
        assert fn.__module__.startswith("keras."), (name, fn.__module__)
        assert _keras_hook.is_keras_name(name)
    assert keras_activations_module.ALL_OBJECTS_DICT["mish"] is keras.activations.mish


def test_every_keras_acts_name_and_alias_is_a_keras_string():
    from keras_acts import registry

    for spec in registry.specs():
        if spec.needs:  # a user's function with required options (other tests register some)
            continue
        for name in spec.names:
            fn = keras.activations.get(name)
            if _keras_hook.is_keras_name(name):
                assert fn.__module__.startswith("keras."), name
            else:
                assert fn is spec.fn, name


def test_keras_names_stay_keras_s_in_every_spelling():
    # spaces read as "_" and empty brackets as the bare name, as keras_acts's own lookup reads them
    for spelling, name in (("leaky relu", "leaky_relu"), ("Hard Sigmoid", "hard_sigmoid"),
                           ("leaky_relu()", "leaky_relu"), ("relu( )", "relu"),
                           ("Leaky-ReLU", "leaky_relu")):
        assert keras.activations.get(spelling) is getattr(keras.activations, name), spelling


def test_keras_deserialize_accepts_keras_acts_names():
    assert keras.activations.deserialize("lisht") is lisht
    assert keras.activations.deserialize("gelu_approximate") is keras_acts.get("gelu_tanh")


def test_kerass_deserialize_leaves_names_in_custom_objects_to_them():
    def user_lisht(x):
        return x

    with keras.saving.custom_object_scope({"lisht": user_lisht}):
        assert keras.activations.deserialize("lisht") is user_lisht
    assert keras.activations.deserialize("lisht", custom_objects={"lisht": user_lisht}) is user_lisht
    assert keras.activations.deserialize("relu") is keras.activations.relu


def test_kerass_other_string_lookups_keep_their_names():
    # Every string lookup of Keras reads its custom objects first: a bare keras_acts name
    # there made kernel_initializer="identity" keras_acts's identity function.
    bare = [name for name in keras.saving.get_custom_objects() if ">" not in name]
    assert not set(bare) & set(keras_acts.registry.known_names()), bare
    layer = keras.layers.Dense(3, kernel_initializer="identity")
    layer.build((None, 3))
    assert (layer.kernel.numpy() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]).all()


def test_registered_names_keep_out_of_kerass_other_lookups():
    def ones(x):  # a legal activation name, and the name of Keras's Ones initializer
        return x

    keras_acts.register_activation(ones)
    assert keras.layers.Dense(2, activation="ones").activation is ones
    assert isinstance(keras.initializers.get("ones"), keras.initializers.Ones)
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    layer.build((None, 2))
    assert (layer.kernel.numpy() == 1).all()


def test_load_model_custom_objects_outrank_keras_acts_names(tmp_path):
    # a user's own unregistered `snake`: Keras saves it by its bare name
    def snake(x):
        return 3.0 * x

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation=snake)])
    model.save(tmp_path / "snake.keras")
    loaded = keras.saving.load_model(tmp_path / "snake.keras", custom_objects={"snake": snake})
    assert loaded.layers[0].activation is snake
    with keras.saving.custom_object_scope({"snake": snake}):
        loaded = keras.saving.load_model(tmp_path / "snake.keras")
    assert loaded.layers[0].activation is snake


def test_unknown_names_still_fail_in_keras():
    with pytest.raises(ValueError):
        keras.layers.Dense(2, activation="definitely_not_an_activation")


@pytest.mark.parametrize("spelling", ["threshold", "Threshold", "THRESHOLD", " threshold "])
def test_threshold_is_completed_as_a_bare_string(spelling):
    # Keras's threshold(x, threshold, default_value) cannot work as activation="threshold",
    # in any of the spellings the names take
    import numpy as np

    layer = keras.layers.Activation(spelling)
    np.testing.assert_array_equal(layer(np.array([[-1.0, 0.0, 2.0]])).numpy(), [[0.0, 0.0, 2.0]])
    assert layer.activation is keras_acts.activations.threshold
    assert keras.layers.Dense(2, activation=spelling).activation is keras_acts.activations.threshold


def test_threshold_is_completed_in_kerass_deserialize_too():
    # keras.activations.get("threshold") answers keras_acts's; deserialize must agree,
    # or a config naming "threshold" would come back as a function no layer can call
    assert keras.activations.deserialize("threshold") is keras_acts.activations.threshold
    assert keras_acts.deserialize("threshold") is keras_acts.activations.threshold


def test_importing_keras_acts_changes_none_of_kerass_entries(tmp_path):
    import subprocess
    import sys

    code = (
        "import keras.src.activations as a\n"
        "before = dict(a.ALL_OBJECTS_DICT)\n"
        "import keras_acts\n"
        "after = a.ALL_OBJECTS_DICT\n"
        "assert all(after[k] is v for k, v in before.items()), 'a Keras entry changed'\n"
        "assert len(after) > len(before)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
