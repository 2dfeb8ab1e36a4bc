"""Every layer through the same checks, on public Keras APIs only.

Config and serialization round trips, training, mixed precision, eager /
tf.function / XLA agreement, masks and NaN, then (batched in one fresh process
each) .keras reload, MirroredStrategy training and model.export().
"""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import layers as L

SHAPE = (2, 3, 8)  # batch, steps, channels


def _cases():
    cases = {
        "PReLU": lambda **k: L.PReLU(**k),
        "PReLU-per-channel": lambda **k: L.PReLU(per_channel=True, alpha_initializer=0.25, **k),
        "PReLU-shared-1": lambda **k: L.PReLU(shared_axes=[1], **k),
        "PReLU-shared-last": lambda **k: L.PReLU(shared_axes=-1, **k),
        "Swish": lambda **k: L.Swish(**k),
        "PELU": lambda **k: L.PELU(**k),
        # a_right = 1 (the default) makes t_right's gradient exactly 0 at first: it moves only
        # by the product of two small updates, which float32 may round away in a short fit
        "SReLU": lambda **k: L.SReLU(a_right_initializer=0.5, **k),
        "APL": lambda **k: L.APL(hinges=3, **k),
        "Rational": lambda **k: L.Rational(**k),
        "Rational-3-2": lambda **k: L.Rational(degrees=(3, 2), **k),
        "Snake": lambda **k: L.Snake(**k),
        "TLU": lambda **k: L.TLU(**k),
        "StarReLU": lambda **k: L.StarReLU(**k),
        "ACON": lambda **k: L.ACON(**k),
        "DyT": lambda **k: L.DyT(**k),
        "Activation-mish": lambda **k: L.Activation("mish", **k),
        "Activation-elu-0.5": lambda **k: L.Activation("elu(alpha=0.5)", **k),
        "LeakyReLU": lambda **k: L.LeakyReLU(alpha=0.1, **k),
        "ReLU": lambda **k: L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5, **k),
        "ELU": lambda **k: L.ELU(alpha=0.5, **k),
        "ThresholdedReLU": lambda **k: L.ThresholdedReLU(theta=0.5, **k),
        "Softmax": lambda **k: L.Softmax(axis=1, **k),
        "RReLU": lambda **k: L.RReLU(seed=3, **k),
        "Maxout": lambda **k: L.Maxout(4, **k),
        "GELU-approximate": lambda **k: L.GELU(approximate=True, **k),
        "SwiGLU": lambda **k: L.SwiGLU(**k),
    }
    for name in keras_acts.list_activations():
        cls = getattr(L, L.layer_name(name))
        if issubclass(cls, L.FunctionLayer):
            cases.setdefault(f"function-{name}", cls)
    return cases


CASES = _cases()
LEARNABLE = [n for n in CASES if CASES[n]().__class__.__name__ in L.LEARNABLE]
AXISWISE = {"Softmax", "Maxout", "SwiGLU", "function-softmax", "function-log_softmax",
            "function-softmin", "function-sparsemax", "function-glu", "function-swiglu",
            "function-geglu", "function-reglu"}


def _x(seed=0, shape=SHAPE, dtype="float32"):
    return np.random.default_rng(seed).normal(scale=2.0, size=shape).astype(dtype)


def _built(name):
    layer = CASES[name]()
    layer(_x())
    return layer


def _move_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        w.assign(w.numpy() + rng.uniform(0.05, 0.3, size=w.shape).astype(w.dtype))


def test_every_layer_class_is_covered():
    covered = {type(CASES[n]()).__name__ for n in CASES}
    for name in L.__all__:
        value = getattr(L, name)
        if isinstance(value, type) and issubclass(value, keras.layers.Layer) and value not in (
                L.ParametricActivation, L.FunctionLayer):
            assert name in covered, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_and_serialize_round_trips(name):
    layer = _built(name)
    _move_weights(layer)
    x = _x(2)
    for clone in (type(layer).from_config(layer.get_config()),
                  keras.layers.deserialize(keras.layers.serialize(layer))):
        assert type(clone) is type(layer)
        clone(x)
        clone.set_weights(layer.get_weights())
        np.testing.assert_array_equal(clone(x).numpy(), layer(x).numpy())
        assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("name", LEARNABLE)
def test_one_sgd_step_moves_every_weight(name):
    layer = _built(name)
    _move_weights(layer)  # off the initial values, where some gradients vanish by design
    before = [w.numpy().copy() for w in layer.trainable_weights]
    assert before, f"{name} has no trainable weights"
    x = tf.constant(_x(4))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(layer(x) - 0.3 * x + 0.1))
    grads = tape.gradient(loss, layer.trainable_weights)
    for w, g in zip(layer.trainable_weights, grads):
        assert g is not None and np.all(np.isfinite(g.numpy())), (name, w.path)
    keras.optimizers.SGD(0.1).apply_gradients(zip(grads, layer.trainable_weights))
    for w, old in zip(layer.trainable_weights, before):
        assert not np.array_equal(w.numpy(), old), (name, w.path)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_mixed_precision(name, policy):
    layer = CASES[name](dtype=policy)
    y = layer(_x(5))
    assert y.dtype == policy.removeprefix("mixed_"), (name, y.dtype)
    assert np.all(np.isfinite(tf.cast(y, tf.float32).numpy()))
    for w in layer.weights:
        assert w.dtype == "float32", (name, w.path)


@pytest.mark.parametrize("name", sorted(CASES))
def test_eager_function_and_xla_agree(name):
    layer = _built(name)
    _move_weights(layer)
    x = tf.constant(_x(6))
    eager = layer(x).numpy()
    # Graph rewrites (oneDNN fusions, XLA) may reorder float operations: a few ULP.
    for compiled in (tf.function(layer), tf.function(layer, jit_compile=True)):
        np.testing.assert_allclose(compiled(x).numpy(), eager, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_nan_propagates(name):
    layer = _built(name)
    x = _x(7)
    x[0, 1, 2] = np.nan
    y = layer(x).numpy()
    if name in AXISWISE:
        assert np.isnan(y[0]).any(), name
    else:
        assert np.isnan(y[0, 1, 2]), name
        assert np.isfinite(y[1]).all(), name


@pytest.mark.parametrize("name", sorted(set(CASES) - AXISWISE))
def test_masks_pass_through(name):
    inputs = keras.Input((None, 8))
    masked = keras.layers.Masking(mask_value=0.0)(inputs)
    model = keras.Model(inputs, keras.layers.LSTM(2)(CASES[name]()(masked)))
    x = _x(8)[:1]
    padded = np.concatenate([x, np.zeros((1, 2, 8), np.float32)], axis=1)
    # The LSTM skips masked steps only if the mask reached it through the layer.
    np.testing.assert_allclose(model(padded).numpy(), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_layer_masks():
    layer = L.Softmax()
    x = np.array([[1.0, 2.0, 5.0], [3.0, -1.0, 0.0]], np.float32)
    mask = np.array([[True, True, False], [False, False, False]])
    y = layer(x, mask=mask).numpy()
    e = np.exp([1.0, 2.0])
    np.testing.assert_allclose(y[0], [e[0] / e.sum(), e[1] / e.sum(), 0.0], rtol=1e-6)
    np.testing.assert_array_equal(y[1], [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_declared_output_shape_is_the_output_shape(name):
    layer = CASES[name]()
    x = _x()
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:])) == (None,) + layer(x).shape[1:]


def test_every_layer_works_inside_time_distributed():
    # TimeDistributed asks the wrapped layer for its output shape; each time step
    # then gets what the layer gives it alone.
    x = _x(shape=(2, 5) + SHAPE[1:])
    for name in sorted(CASES):
        layer = CASES[name]()
        wrapped = keras.layers.TimeDistributed(layer)
        model = keras.Sequential([keras.Input(x.shape[1:]), wrapped])
        assert model.output_shape[1:2] == (5,), name
        steps = [layer(x[:, t]).numpy() for t in range(5)]
        if name != "RReLU":  # random slopes only in training
            np.testing.assert_array_equal(model(x).numpy(), np.stack(steps, axis=1), err_msg=name)


def test_a_user_function_s_shape_dtype_and_errors_come_from_tracing_it():
    # Keras traces a layer's call for a functional model's output: so does the layer,
    # which declares its output shape for TimeDistributed
    inputs = keras.Input((4,))
    as_float64 = L.Activation(lambda x: tf.cast(x[:, :2], tf.float64))
    model = keras.Model(inputs, as_float64(inputs))
    assert model.output.dtype == "float64" and model.output.shape == (None, 2)
    assert model(np.ones((3, 4), np.float32)).dtype == tf.float64
    with pytest.raises(ValueError, match="even|divisible|split"):
        keras.Model(keras.Input((7,)), L.Activation("glu")(keras.Input((7,))))
    integers = keras.Input((4,), dtype="int32")  # keras_acts's functions give floatx()
    for layer in (L.Activation("mish"), L.Mish(), L.Activation("glu(axis=-1)")):
        assert layer(integers).dtype == "float32"
        assert layer(np.arange(8, dtype=np.int32).reshape(2, 4)).dtype == tf.float32


def test_softmax_layer_mask_as_keras_takes_it():
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    # Keras's documented rule: numbers above 0.5 keep (integers above 0); the shape
    # must broadcast, else a ValueError
    for mask in (np.array([[1.0, 0.3, 1.0]], np.float32), np.array([[2, 0, -1]])):
        np.testing.assert_allclose(L.Softmax()(x, mask=mask).numpy(),
                                   keras.layers.Softmax()(x, mask=mask).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="`mask` of shape"):
        L.Softmax()(np.ones((2, 4, 6), np.float32), mask=np.ones((2, 4), bool))
    # Logits far below Keras's stand-in for masked ones (-1e9; float16 -3e4), where
    # Keras's layer gives zeros: the unmasked logits keep all the mass.
    for dtype, low in (("float32", -2e9), ("float16", -5e4)):
        logits = np.array([[low, low * 1.2, 0.0]], dtype)
        y = L.Softmax(dtype=dtype)(logits, mask=np.array([[True, True, False]])).numpy()
        np.testing.assert_array_equal(y, np.array([[1.0, 0.0, 0.0]], dtype))


def test_softmax_layer_takes_several_axes_as_keras_does():
    x = _x(shape=(2, 3, 4))
    mask = np.random.default_rng(1).random((2, 3, 4)) > 0.3
    for axis in ((1, 2), [2, 1], np.int64(1)):
        layer = L.Softmax(axis=axis)
        np.testing.assert_allclose(layer(x).numpy(), keras.layers.Softmax(axis=axis)(x).numpy(),
                                   rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(layer(x, mask=mask).numpy(),
                                   keras.layers.Softmax(axis=axis)(x, mask=mask).numpy(),
                                   rtol=2e-6, atol=1e-7)
        assert L.Softmax.from_config(layer.get_config()).axis == layer.axis
    for axis in ((), (1, 1)):
        with pytest.raises(ValueError, match="distinct axes"):
            L.Softmax(axis=axis)
    with pytest.raises(ValueError, match="distinct axes"):  # the same axis, known at the call
        L.Softmax(axis=(2, -1))(x, mask=mask)
    y = L.Softmax(axis=(1, 2))(x).numpy()
    e = np.exp(x.astype(np.float64) - x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-6)


def _fresh(code, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def _all_layers_model():
    inputs = keras.Input(SHAPE[1:])
    outputs = []
    for name in sorted(CASES):
        y = CASES[name]()(inputs)
        outputs.append(keras.layers.Flatten()(y))
    return keras.Model(inputs, keras.layers.Concatenate()(outputs))


@pytest.fixture(scope="module")
def saved_all(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers")
    model = _all_layers_model()
    for layer in model.layers:
        _move_weights(layer, seed=len(layer.name))
    x = _x(9)
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", model.predict(x, verbose=0))
    model.save(folder / "all.keras")
    model.export(str(folder / "exported"), verbose=False)
    return folder


def test_keras_file_and_export_reload_bit_exact_in_a_fresh_process(saved_all):
    out = _fresh(f"""
        import numpy as np, tensorflow as tf, keras, keras_acts
        folder = {str(saved_all)!r}
        x, y = np.load(folder + "/x.npy"), np.load(folder + "/y.npy")
        model = keras.saving.load_model(folder + "/all.keras")
        got = model.predict(x, verbose=0)
        assert np.array_equal(got, y), np.nanmax(np.abs(got - y))
        exported = tf.saved_model.load(folder + "/exported")  # keep it alive while serving
        served = exported.serve(tf.constant(x)).numpy()
        assert np.array_equal(served, y), np.nanmax(np.abs(served - y))
        print("ok")
    """, saved_all)
    assert out.strip().endswith("ok")


def test_training_under_mirrored_strategy_with_two_cpus(tmp_path):
    learnable = sorted(LEARNABLE)
    out = _fresh(f"""
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import keras, keras_acts
        import tests.layers.test_layer_harness as harness
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == 2
        with strategy.scope():
            inputs = keras.Input((3, 8))
            outs = [keras.layers.Flatten()(harness.CASES[n]()(inputs)) for n in {learnable!r}]
            model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Concatenate()(outs)))
            model.compile("sgd", "mse")
        before = [w.numpy().copy() for w in model.trainable_weights]
        x = np.random.default_rng(0).normal(size=(16, 3, 8)).astype("float32")
        y = np.random.default_rng(1).normal(size=(16, 1)).astype("float32")
        history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        moved = [not np.array_equal(w.numpy(), b) for w, b in zip(model.trainable_weights, before)]
        assert all(moved), [w.path for w, m in zip(model.trainable_weights, moved) if not m]
        print("ok")
    """, os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.strip().endswith("ok")
