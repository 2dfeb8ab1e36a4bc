"""The registry: lookup, errors, get/serialize/deserialize, register_activation."""

import functools
import sys
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import registry
from keras_acts.activations import lisht, mish, relu


def test_get_is_one_function_everywhere():
    assert keras_acts.get is keras_acts.activations.get is registry.get


def test_get_none_is_linear():
    fn = keras_acts.get(None)
    assert fn.__name__ == "linear"
    np.testing.assert_array_equal(fn([1.5, -2.0]).numpy(), [1.5, -2.0])


@pytest.mark.parametrize("name", ["lisht", "LiSHT", "LISHT", " lisht "])
def test_names_match_case_insensitively(name):
    assert keras_acts.get(name) is lisht


@pytest.mark.parametrize("name", ["leaky_relu", "Leaky-ReLU", "leaky-relu", "LEAKY_RELU", "lrelu"])
def test_dashes_and_underscores_alike_and_aliases(name):
    assert keras_acts.get(name) is keras_acts.activations.leaky_relu


def test_keras_acts_names_come_before_keras_names():
    # keras_acts's relu has TF 2's signature; Keras's own is still reachable by Keras.
    assert keras_acts.get("relu") is relu
    assert keras.activations.get("relu") is not relu


def test_falls_back_to_keras_names(monkeypatch):
    # Simulate a name a later Keras adds that keras_acts does not define.
    import keras.src.activations as keras_table_module

    def future_activation(x):
        return x

    monkeypatch.setitem(keras_table_module.ALL_OBJECTS_DICT, "future_act", future_activation)
    assert keras_acts.get("future_act") is future_activation
    assert keras_acts.get("Future-Act") is future_activation
    assert keras.activations.get("Future-Act") is future_activation
    with pytest.raises(ValueError, match="Keras"):
        keras_acts.register_activation(lambda x: x, "future_act")


def test_packaged_name_resolves():
    assert keras_acts.get("keras_acts>lisht") is lisht


def test_unknown_name_lists_closest_names():
    with pytest.raises(ValueError, match="lisht") as info:
        keras_acts.get("lsiht")
    assert "Unknown activation 'lsiht'" in str(info.value)
    with pytest.raises(ValueError, match="mish"):
        keras_acts.get("mihs")


def test_empty_name_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        keras_acts.get("")


@pytest.mark.parametrize("bad", [3, 2.5, [1, 2], object()])
def test_other_identifiers_are_value_errors(bad):
    with pytest.raises(ValueError, match="Could not interpret activation identifier"):
        keras_acts.get(bad)


def test_callable_is_returned_as_is():
    def mine(x):
        return x

    assert keras_acts.get(mine) is mine


def test_list_activations_sorted_canonical_without_aliases():
    names = keras_acts.list_activations()
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for required in ["relu", "sigmoid", "softmax", "softplus", "softsign", "tanh", "selu", "elu",
                     "exponential", "linear", "leaky_relu", "mish", "lisht", "gelu_tanh",
                     "quick_gelu", "squared_relu", "snake"]:
        assert required in names
    for alias in ["identity", "lrelu", "logistic", "gelu_approximate"]:
        assert alias not in names
        assert keras_acts.get(alias) is not None


@pytest.mark.parametrize("name", ["lisht", "mish", "gelu_tanh", "snake", "squared_relu"])
def test_serialize_deserialize_round_trip(name):
    fn = keras_acts.get(name)
    config = keras_acts.serialize(fn)
    assert config["config"] == f"keras_acts>{name}"
    assert keras_acts.deserialize(config) is fn
    assert keras_acts.get(config) is fn
    assert keras.activations.deserialize(config) is fn  # Keras's own loader agrees


def test_keras_builtins_serialize_to_plain_names():
    assert keras_acts.serialize(keras.activations.relu) == "relu"
    assert keras_acts.deserialize("relu") is relu  # a name resolves keras_acts first, as get does
    assert keras_acts.deserialize("hard_silu") is keras_acts.get("hard_silu")


def test_deserialize_unknown_dict_names_closest():
    with pytest.raises((ValueError, TypeError), match="lisht"):
        keras_acts.deserialize({"class_name": "function", "config": "keras_acts>lisj",
                                "module": "builtins", "registered_name": "function"})


@pytest.mark.parametrize("config", [{}, {"a": 1}])
def test_dicts_that_describe_no_function_are_value_errors(config):
    """As keras.activations.get's ValueError: not the dict handed back."""
    with pytest.raises(ValueError, match="no function|Could not"):
        keras_acts.get(config)


def test_another_packages_function_is_not_replaced_by_ours():
    """"mypkg>lisht", unregistered, is mypkg's function: Keras's error, as load_model
    gives, and not keras_acts's lisht in its place."""
    config = {"class_name": "function", "config": "mypkg>lisht", "module": "builtins",
              "registered_name": "function"}
    with pytest.raises((TypeError, ValueError), match="mypkg>lisht"):
        keras_acts.deserialize(config)
    ours = {**config, "config": "keras_acts>lisht"}
    assert keras_acts.deserialize(ours) is keras_acts.get("lisht")


def test_configured_activation_binds_options_and_round_trips():
    fn = registry.configured("elu", alpha=0.5)
    x = tf.constant([-1.0, 2.0], tf.float64)
    np.testing.assert_allclose(fn(x).numpy(), [0.5 * np.expm1(-1.0), 2.0], rtol=1e-15)
    again = keras_acts.deserialize(keras_acts.serialize(fn))
    assert again == fn and again is not fn
    assert fn.__name__ == "elu(alpha=0.5)"


@pytest.mark.parametrize("name, axis, shape", [("softmax", 1, (2, 3, 4)), ("log_softmax", -2, (2, 3, 4)),
                                               ("softmin", 1, (3, 4)), ("sparsemax", 1, (2, 3, 4, 5))])
def test_configured_axis_is_checked_against_the_inputs_rank_not_a_vectors(name, axis, shape):
    """An axis other than -1 (or 0) is only in range for inputs of higher rank, which a
    string such as "softmax(axis=1)" cannot know when it is read (Keras's Softmax
    layer finds out when called): it is accepted, and applies along that axis."""
    x = tf.constant(np.random.default_rng(0).standard_normal(shape), tf.float32)
    layer = keras.layers.Dense(shape[-1], activation=f"{name}(axis={axis})")
    layer.build(x.shape)
    np.testing.assert_array_equal(layer.activation(x).numpy(), keras_acts.get(name)(x, axis=axis).numpy())
    direct = getattr(tf.nn, name, None)
    if direct is not None:  # tf.nn's own: an outside reference for the axis's meaning
        np.testing.assert_allclose(keras_acts.get(f"{name}(axis={axis})")(x).numpy(),
                                   direct(x, axis=axis).numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="axis"):
        keras_acts.get(f"{name}(axis={axis})")(tf.zeros([4]))
    with pytest.raises(TypeError, match="axis"):
        keras_acts.get(f"{name}(axis=1.5)")


def test_a_user_name_for_keras_own_function_leaves_how_keras_names_save():
    """A user's name for Keras's relu finds relu; a model using "relu" still saves as
    "relu", which loads in any process (it saved as "Custom>..." before)."""
    keras_acts.register_activation(keras.activations.relu, "relu_by_another_name_registry_test")
    keras_acts.register_activation(tf.math.tanh, "tanh_by_another_name_registry_test")
    assert keras_acts.get("relu_by_another_name_registry_test") is keras.activations.relu
    assert keras.layers.Dense(2, activation="relu").get_config()["activation"] == "relu"
    assert keras.activations.serialize(keras.activations.relu) == "relu"
    assert keras.saving.get_registered_name(tf.math.tanh) == tf.math.tanh.__name__


def test_register_activation_as_decorator_and_string():
    @keras_acts.register_activation
    def tripled_registry_test(x):
        return 3.0 * x

    assert keras_acts.get("tripled_registry_test") is tripled_registry_test
    assert keras_acts.get("Tripled-Registry-Test") is tripled_registry_test
    assert "tripled_registry_test" in keras_acts.list_activations()
    layer = keras.layers.Dense(2, activation="tripled_registry_test")
    assert layer.activation is tripled_registry_test
    config = keras.activations.serialize(tripled_registry_test)
    assert config["config"] == "Custom>tripled_registry_test"
    assert keras.activations.deserialize(config) is tripled_registry_test


def test_register_activation_with_name_and_aliases():
    def f(x):
        return x * 0.5

    assert keras_acts.register_activation(f, "halved_registry_test", aliases=("half_rt",)) is f
    assert keras_acts.get("half-rt") is f
    assert keras.activations.get("half_rt") is f


def test_registering_the_same_function_again_is_harmless():
    def same_again_registry_test(x):
        return x

    keras_acts.register_activation(same_again_registry_test)
    assert keras_acts.register_activation(same_again_registry_test) is same_again_registry_test
    assert keras_acts.get("same_again_registry_test") is same_again_registry_test


@pytest.mark.parametrize("name", ["relu", "gelu", "swish", "hard_swish", "lisht", "LiSHT", "lrelu"])
def test_registering_a_taken_name_is_a_value_error(name):
    def impostor(x):
        return x

    with pytest.raises(ValueError, match="name"):
        keras_acts.register_activation(impostor, name)


def test_register_activation_rejects_bad_arguments():
    with pytest.raises(TypeError, match="fn"):
        keras_acts.register_activation(42, "forty_two")
    with pytest.raises(ValueError, match="name"):
        keras_acts.register_activation(lambda x: x)
    with pytest.raises(ValueError, match="name"):
        keras_acts.register_activation(lambda x: x, "has space?")


def test_a_registered_lambda_saves_by_its_name_and_reloads(tmp_path):
    """Keras saves a function named "<lambda>" as bytecode, which safe mode refuses to
    load: registered with a name, the lambda saves as "Custom>name" instead."""
    doubled = keras_acts.register_activation(lambda x: 2.0 * x, "doubled_lambda_registry_test")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="doubled_lambda_registry_test")])
    assert keras.activations.serialize(doubled)["config"] == "Custom>doubled_lambda_registry_test"
    model.save(tmp_path / "m.keras")
    again = keras_acts.load_model(tmp_path / "m.keras")  # safe mode: no bytecode to refuse
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
    np.testing.assert_array_equal(doubled(x), 2.0 * x)


def test_a_callable_without_a_name_is_a_type_error_naming_fn():
    """Keras saves an activation by its name, and reads a callable's ``__name__`` for it:
    a functools.partial has none (AttributeError from Keras before)."""
    half_elu = functools.partial(keras_acts.activations.elu, alpha=0.5)
    with pytest.raises(TypeError, match="`fn`.*__name__"):
        keras_acts.register_activation(half_elu, "half_elu_registry_test")
    with pytest.raises(ValueError, match="no activation|not found|Unknown|unknown|closest"):
        keras_acts.get("half_elu_registry_test")


def test_a_clash_with_a_users_name_says_whose_it_is():
    def first_owner_registry_test(x):
        return x

    def second_owner_registry_test(x):
        return -x

    keras_acts.register_activation(first_owner_registry_test, "clashing_registry_test")
    with pytest.raises(ValueError, match=r"'clashing_registry_test'.*register_activation"):
        keras_acts.register_activation(second_owner_registry_test, "clashing_registry_test")
    with pytest.raises(ValueError, match=r"'lisht'.*keras_acts's own"):
        keras_acts.register_activation(second_owner_registry_test, "LiSHT")


def test_a_function_with_required_options_works_only_with_them():
    """Layers call an activation with the tensor alone: a bare name whose function needs
    more would fail only when a layer first ran. It is refused where it is looked up, with
    the way to write it; the parameterised string works and saves."""

    def scaled_registry_test(x, scale):
        return scale * x

    def keyword_registry_test(x, *, scale):
        return scale * x

    for fn in (scaled_registry_test, keyword_registry_test):
        assert keras_acts.register_activation(fn) is fn
        with pytest.raises(ValueError, match=rf"needs its options \['scale'\].*{fn.__name__}\(scale=\.\.\.\)"):
            keras_acts.get(fn.__name__)
        with pytest.raises(ValueError, match="needs its options"):
            keras.layers.Dense(2, activation=fn.__name__)
        layer = keras.layers.Dense(1, activation=f"{fn.__name__}(scale=2.0)", kernel_initializer="ones")
        np.testing.assert_array_equal(layer(np.float32([[1.5]])).numpy(), [[3.0]])

    def nothing_registry_test():
        return 0.0

    with pytest.raises(TypeError, match="`fn` must take the input tensor"):
        keras_acts.register_activation(nothing_registry_test)
    with pytest.raises(ValueError, match="Unknown"):
        keras_acts.get("nothing_registry_test")

    def defaults_registry_test(x, scale=2.0, *extra, shift=0.0, **more):
        return scale * x + shift

    keras_acts.register_activation(defaults_registry_test)
    np.testing.assert_array_equal(keras_acts.get("defaults_registry_test")(np.float32([1.5])), [3.0])


@pytest.mark.parametrize("text, argument, error", [
    ("elu(alpha='x')", "alpha", TypeError),
    ("elu(alpha=True)", "alpha", TypeError),
    ("relu(threshold=None)", "threshold", TypeError),
    ("relu(max_value=float('nan'))", None, ValueError),  # not a literal: refused by the parser
    ("relu(max_value=-1.0)", "max_value", ValueError),
    ("hard_tanh(min_val='a')", "min_val", TypeError),
    ("gelu(approximate='yes')", "approximate", TypeError),
    ("geglu(approximate=2)", "approximate", TypeError),
    ("softplus(beta=0)", "beta", ValueError),
    ("snake(frequency=[1.0])", "frequency", TypeError),
])
def test_bad_option_values_in_strings_name_the_option(text, argument, error):
    with pytest.raises(error, match=f"`{argument}`" if argument else "literal"):
        keras.layers.Dense(2, activation=text)


def test_concurrent_registration_and_lookup():
    errors = []
    barrier = threading.Barrier(16)

    def register(i):
        def fn(x):
            return x * i

        barrier.wait()
        try:
            for j in range(20):
                keras_acts.register_activation(fn if j == 0 else fn, f"thread_act_{i}")
        except Exception as error:  # collected and asserted below
            errors.append(error)

    def lookup():
        barrier.wait()
        try:
            for _ in range(200):
                assert keras_acts.get("mish") is mish
                keras_acts.list_activations()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(8)]
    threads += [threading.Thread(target=lookup) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i in range(8):
        assert keras_acts.get(f"thread_act_{i}")(2.0) == 2.0 * i
        assert keras.activations.get(f"thread_act_{i}") is keras_acts.get(f"thread_act_{i}")


def test_an_unknown_name_is_a_value_error_while_another_thread_registers():
    # the closest names were read from Keras's table while registration wrote to it:
    # "RuntimeError: dictionary changed size during iteration" instead of the ValueError
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # makes the race frequent: 27 of some thousand lookups
    stop, unexpected = threading.Event(), []

    def lookups():
        while not stop.is_set():
            for get in (keras_acts.get, keras.activations.get):
                try:
                    get("lishtt")
                except ValueError:
                    pass
                except Exception as error:  # collected and asserted below
                    unexpected.append(error)

    thread = threading.Thread(target=lookups)
    thread.start()
    try:
        for k in range(1500):
            def fn(x):
                return x

            keras_acts.register_activation(fn, f"race_act_registry_test_{k}")
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(switch)
    assert unexpected == []


def test_another_package_s_name_is_theirs_or_nobody_s():
    """"pkg>name" is what Keras saves for a function registered under another package:
    keras_acts's function of the same bare name must not stand in for it."""

    @keras.saving.register_keras_serializable(package="otherpkg_registry_test")
    def lisht(x):
        return 2.0 * x

    assert keras_acts.deserialize("otherpkg_registry_test>lisht") is lisht
    assert keras.activations.get("otherpkg_registry_test>lisht") is lisht
    assert keras.layers.Dense(2, activation="otherpkg_registry_test>lisht").activation is lisht
    with pytest.raises(ValueError, match="nothing is registered"):
        keras_acts.get("unregistered_registry_test>lisht")
    assert keras_acts.deserialize("keras_acts>lisht") is keras_acts.activations.lisht
    # nor with options, which only keras_acts's names take
    with pytest.raises(ValueError, match="another package"):
        keras_acts.get("otherpkg_registry_test>lisht(scale=2)")

    @keras.saving.register_keras_serializable(package="otherpkg_registry_test")
    class Lisht(keras.layers.Layer):
        pass

    with pytest.raises(ValueError, match="not a function"):
        keras_acts.get("otherpkg_registry_test>Lisht")


def test_deserialize_reads_keras_s_custom_objects_as_keras_does():
    def global_registry_test(x):
        return x

    def scoped_registry_test(x):
        return -x

    keras.saving.get_custom_objects()["global_registry_test"] = global_registry_test
    try:
        assert keras_acts.deserialize("global_registry_test") is global_registry_test
        assert keras.activations.deserialize("global_registry_test") is global_registry_test
    finally:
        del keras.saving.get_custom_objects()["global_registry_test"]
    with keras.saving.custom_object_scope({"scoped_registry_test": scoped_registry_test}):
        assert keras_acts.deserialize("scoped_registry_test") is scoped_registry_test
    with pytest.raises(ValueError, match="Unknown activation"):
        keras_acts.deserialize("scoped_registry_test")


def test_a_function_config_names_a_function_not_the_layer_of_its_name():
    # "keras_acts>LiSHT" is the LiSHT layer's registered name; as a function's config it
    # means the function, in the forgiving spelling
    config = {"class_name": "function", "config": "keras_acts>LiSHT", "module": "builtins",
              "registered_name": "function"}
    assert keras_acts.get(config) is keras_acts.activations.lisht


def test_registration_refuses_what_it_could_not_reload():
    class Doubler:
        __name__ = "doubler_registry_test"

        def __call__(self, x):
            return 2.0 * x

    # Keras would save it as an object of class Doubler, which has no config to rebuild from
    with pytest.raises(TypeError, match="`fn` must be a function"):
        keras_acts.register_activation(Doubler())

    def aliased_registry_test(x):
        return x

    # a string would be split into the one-letter aliases "e", "l", "u"
    with pytest.raises(TypeError, match="`aliases`"):
        keras_acts.register_activation(aliased_registry_test, aliases="elu")
    with pytest.raises(ValueError, match="Unknown"):
        keras_acts.get("aliased_registry_test")
    assert keras_acts.register_activation(aliased_registry_test, aliases=None) is aliased_registry_test


def test_deserialize_of_none_is_none_as_keras_s():
    assert keras.activations.deserialize(None) is None
    assert keras_acts.deserialize(None) is None
    assert keras_acts.get(None) is keras_acts.get("linear")
