"""keras_acts.config: XLA fusion of the custom-gradient functions in graphs.

Whether fused results are accurate is tests/activations/test_numerics.py's
business (every check runs eagerly and in a tf.function); here: that graphs
do fuse, that the switch works, and that fusion costs one trace, not one per call.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import config
from keras_acts.activations import _base


def xla_compiled_calls(fn, spec: tf.TensorSpec) -> int:
    """How many XLA-compiled function calls a forward+backward of ``fn`` traced for
    ``spec`` holds (in its graph and the functions it calls: tf.cond branches too)."""

    @tf.function(autograph=False)
    def forward_backward(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        return y, tape.gradient(y, t)

    graph = forward_backward.get_concrete_function(spec).graph.as_graph_def()
    nodes = [*graph.node, *(n for f in graph.library.function for n in f.node_def)]
    return sum(1 for n in nodes if n.attr["_XlaMustCompile"].b)


# In graphs the size per sample decides (the batch size is often unknown when tracing).
LARGE = tf.TensorSpec([8, 1024], tf.float32)     # 2^10 per sample: fused
SMALL = tf.TensorSpec([4096, 256], tf.float32)   # 2^8 per sample: not, even 2^20 in all
UNKNOWN = tf.TensorSpec([None, 1024], tf.float32)  # as model.fit traces: the same as LARGE


@pytest.fixture
def fusion_switch():
    yield config.set_xla_fusion
    config.set_xla_fusion(True)


@pytest.mark.parametrize("name", ["elu", "selu", "tanh_shrink", "squareplus", "gelu", "log_softmax",
                                  "glu", "swiglu", "sine_relu", "hard_sigmoid", "hard_silu"])
def test_large_tensors_run_forward_and_backward_as_xla_kernels(name, fusion_switch):
    fn = keras_acts.get(name)
    assert config.xla_fusion_enabled()
    assert xla_compiled_calls(fn, LARGE) == 2  # one kernel forward, one backward
    assert xla_compiled_calls(fn, SMALL) == 0
    fusion_switch(False)
    assert not config.xla_fusion_enabled()
    assert xla_compiled_calls(fn, LARGE) == 0


def test_from_elements_overrides_the_thresholds(fusion_switch):
    fn = keras_acts.get("elu")
    fusion_switch(True, from_elements=0)
    assert xla_compiled_calls(fn, SMALL) == 2
    fusion_switch(True, from_elements=2 ** 18)
    assert xla_compiled_calls(fn, LARGE) == 0


def test_single_kernel_passes_stay_tensorflow_kernels():
    # leaky_relu is one TensorFlow kernel each way; hard_tanh's forward is, its gradient is not.
    assert xla_compiled_calls(keras_acts.get("leaky_relu"), LARGE) == 0
    assert xla_compiled_calls(keras_acts.get("hard_tanh"), LARGE) == 1
    # softplus's forward is one TensorFlow kernel too, but XLA's form written here is faster
    assert xla_compiled_calls(keras_acts.get("softplus"), LARGE) == 2
    tlu = keras_acts.layers.TLU()  # max(x, tau)
    tlu.build(LARGE.shape)
    assert xla_compiled_calls(tlu, LARGE) == 0


def test_softmax_and_softmin_pair_tensorflows_kernel_with_a_compiled_gradient():
    # Forward, TensorFlow's softmax kernel (faster than XLA's passes); backward, one compiled
    # kernel whose sum is folded (row_sums): 0.81-0.89x the time of the four ops Keras runs.
    for name in ("softmax", "softmin"):
        fn = keras_acts.get(name)
        assert xla_compiled_calls(fn, LARGE) == 1
        assert xla_compiled_calls(fn, SMALL) == 0


def test_the_batch_size_does_not_decide_in_graphs():
    # predict, evaluate and an exported signature must run the same kernels on any batch.
    for name in ("elu", "mish"):
        fn = keras_acts.get(name)
        assert xla_compiled_calls(fn, UNKNOWN) == 2
        assert xla_compiled_calls(fn, tf.TensorSpec([1, 1024], tf.float32)) == 2
        assert xla_compiled_calls(fn, tf.TensorSpec([None, 256], tf.float32)) == 0


def test_inside_an_xla_program_nothing_is_nested():
    fn = keras_acts.get("elu")
    compiled = tf.function(lambda t: fn(t), jit_compile=True, autograph=False)
    graph = compiled.get_concrete_function(LARGE).graph.as_graph_def()
    assert not any(n.attr["_XlaMustCompile"].b for f in graph.library.function for n in f.node_def)
    assert not any(n.attr["_XlaMustCompile"].b for n in graph.node)


def compiled_names() -> set[str]:
    return {key[0].__name__ for key in _base._COMPILED}


def clear_kernel_caches() -> None:
    """Caches: cleared, they are rebuilt on use."""
    _base._COMPILED.clear()
    _base._DIRECT.clear()


def test_eager_calls_fuse_at_any_size_with_one_trace_for_every_shape():
    clear_kernel_caches()
    selu = keras_acts.activations.selu
    selu(tf.zeros([1, 1024]))  # eager, small: compiled all the same
    assert "_selu_float32" in compiled_names()
    (kernel,) = [f for k, f in _base._COMPILED.items() if k[0].__name__ == "_selu_float32"]
    for n in (3, 700, 2 ** 17):
        selu(tf.zeros([1, n]))
    assert kernel.experimental_get_tracing_count() == 1


def test_eager_results_do_not_depend_on_a_tape():
    x = tf.constant(np.linspace(-6, 6, 97), tf.float32)
    for name in ("sigmoid", "elu", "gelu", "mish", "softmax", "log_softmax", "tanh_shrink"):
        fn = keras_acts.get(name)
        with tf.GradientTape() as tape:
            tape.watch(x)
            recorded = fn(x)
        np.testing.assert_array_equal(fn(x).numpy(), recorded.numpy(), err_msg=name)


def test_small_eager_fusion_is_chosen_per_function():
    clear_kernel_caches()
    keras_acts.activations.leaky_relu(tf.zeros([1, 1024]))  # one TensorFlow kernel: never
    keras_acts.activations.softmax(tf.zeros([1, 1024]))  # the kernel, checked for NaN on the host
    assert compiled_names() == set()
    keras_acts.activations.sparsemax(tf.zeros([16, 1024]))  # Newton's loop against a sort
    assert compiled_names() == {"_sparsemax_last"}
    # TensorFlow's softmax kernel on several small rows takes 2-3x the compiled careful form
    keras_acts.activations.softmax(tf.zeros([8, 128]))
    assert compiled_names() == {"_sparsemax_last", "_softmax_careful"}
    keras_acts.activations.softmax(tf.zeros([64, 1024]))  # large: the kernel, checked on the host
    assert compiled_names() == {"_sparsemax_last", "_softmax_careful"}


def test_small_eager_backward_passes_fuse_on_their_own():
    """A forward pass of one TensorFlow kernel runs as itself on a small tensor eagerly;
    its backward pass of several ops, under a tape, as one compiled kernel (softmax: 163
    µs a call with its gradient, 187 op by op)."""
    clear_kernel_caches()
    x64 = np.linspace(-3, 3, 1024).reshape(1, 1024)
    x, dy = tf.constant(x64, tf.float32), tf.constant(np.cos(x64), tf.float32)
    gradients = {}
    for name in ("softmax", "hard_tanh"):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = keras_acts.get(name)(x)
        gradients[name] = tape.gradient(y, x, output_gradients=dy).numpy()
    assert compiled_names() == {"_softmax_gradient", "_inside_gradient"}
    p = np.exp(x64 - x64.max()) / np.exp(x64 - x64.max()).sum()
    np.testing.assert_allclose(gradients["softmax"], p * (np.cos(x64) - (np.cos(x64) * p).sum()),
                               rtol=1e-5, atol=1e-9)
    np.testing.assert_array_equal(gradients["hard_tanh"], np.where(np.abs(x.numpy()) < 1, dy.numpy(), 0))


def test_direct_calls_of_compiled_kernels_work_on_this_tensorflow():
    """The private TensorFlow API behind cheap eager calls: loud if TensorFlow moves it
    (everything still works without it, at tf.function's cost per call)."""
    from keras_acts.activations.rectifiers import _unit_elu

    x64 = np.linspace(-4, 4, 64).reshape(8, 8)
    x = tf.constant(x64, tf.float32)
    direct = _base._direct(_unit_elu.__wrapped__, (), (x,))
    assert direct.__name__ == "call_function"  # the fastest of the three ways
    expected = np.where(x64 > 0, x.numpy().astype(np.float64), np.expm1(x.numpy().astype(np.float64)))
    np.testing.assert_allclose(direct(x).numpy(), expected, rtol=2 * 2.0 ** -23)


def test_eager_shapes_come_from_the_tensor_itself():
    """EagerTensor's private _rank, _num_elements, _shape_tuple and _datatype_enum: loud if
    TensorFlow moves them (everything still works without them, 1.5 µs slower a call on a
    tensor fresh from another op, whose TensorShape is built on first access)."""
    t = tf.zeros([3, 4, 5])
    for name in ("_rank", "_num_elements", "_shape_tuple", "_datatype_enum"):
        assert callable(getattr(t, name, None)), f"TensorFlow {tf.__version__} moved EagerTensor.{name}"
    assert _base.eager_shape(t) == (3, 4, 5) and _base.rank_of(t) == 3 and _base._eager_size(t) == 60
    assert _base._eager_signature((t, tf.zeros([2], tf.float64))) == (
        (tf.float32.as_datatype_enum, 3), (tf.float64.as_datatype_enum, 1))
    ranks = []
    tf.function(lambda x: ranks.append(_base.rank_of(x)) or x, autograph=False).get_concrete_function(
        tf.TensorSpec(None, tf.float32))
    assert ranks == [None]  # a graph's unknown rank, as its TensorShape says


def test_fused_results_match_the_unfused_to_a_few_ulp():
    x = tf.constant(np.random.default_rng(0).normal(0, 4, (64, 1024)).astype(np.float32))
    for name in ("elu", "selu", "celu", "softplus", "mish", "silu", "tanh_shrink", "log_softmax"):
        fn = keras_acts.get(name)
        fused = tf.function(fn, autograph=False)(x).numpy()
        config.set_xla_fusion(False)
        try:
            plain = fn(x).numpy()
        finally:
            config.set_xla_fusion(True)
        np.testing.assert_allclose(fused, plain, rtol=8 * 2.0 ** -23, atol=2.0 ** -126, err_msg=name)


def test_one_trace_serves_every_layer_and_shape():
    fn = keras_acts.get("elu")
    for rows in (4, 16, 64):
        tf.function(lambda t: fn(t) + fn(2 * t), autograph=False)(tf.zeros([rows, 1024]))
    # elu's forward for rank-2 float32: one compiled function, whatever the shape or caller
    # (dtype, rank, and no row length: only functions of an axis are traced per row length).
    keys = [k for k in _base._COMPILED if k[0].__name__ == "_unit_elu" and k[2] == ((tf.float32, 2, None),)]
    assert len(keys) == 1


def test_learnable_layers_fuse_their_formula_on_large_inputs(fusion_switch):
    for layer, spec in ((keras_acts.layers.PReLU(), LARGE), (keras_acts.layers.PELU(), LARGE)):
        layer.build(spec.shape)
        assert xla_compiled_calls(layer, spec) >= 1, type(layer).__name__
        layer_for_small = type(layer)()
        layer_for_small.build(SMALL.shape)
        assert xla_compiled_calls(layer_for_small, SMALL) == 0, type(layer).__name__
        x = tf.constant(np.random.default_rng(1).normal(0, 3, spec.shape).astype(np.float32))
        np.testing.assert_allclose(tf.function(layer)(x).numpy(), layer(x).numpy(), rtol=1e-6, atol=1e-7)
    fusion_switch(False)
    assert xla_compiled_calls(layer, LARGE) == 0  # PELU, built for LARGE


def test_set_xla_fusion_checks_its_arguments():
    with pytest.raises(TypeError, match="`enabled`"):
        config.set_xla_fusion("no")
    with pytest.raises(ValueError, match="`from_elements`"):
        config.set_xla_fusion(True, from_elements=-1)


def test_environment_variable_turns_fusion_off():
    code = (
        "import keras_acts\n"
        "print(keras_acts.config.xla_fusion_enabled())\n"
    )
    env = {"KERAS_ACTS_XLA_FUSION": "0", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.stdout.strip().splitlines()[-1:] == ["False"], done.stderr[-2000:]


def test_fused_model_predicts_and_serves_identically(tmp_path):
    import keras

    inputs = keras.Input((1024,))
    hidden = keras.layers.Dense(1024, activation="elu")(inputs)
    hidden = keras.layers.Dense(1024, activation="mish")(hidden)
    outputs = keras_acts.layers.PReLU()(hidden)
    model = keras.Model(inputs, outputs)
    assert xla_compiled_calls(keras_acts.get("mish"), tf.TensorSpec([None, 1024])) == 2
    model.export(str(tmp_path / "exported"), verbose=False)
    model.save(tmp_path / "model.keras")
    served = tf.saved_model.load(str(tmp_path / "exported"))
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    for rows in (3, 64):
        x = np.random.default_rng(rows).normal(0, 1, (rows, 1024)).astype(np.float32)
        # in one batch, as served: without oneDNN (CPUs without AVX-512) Eigen's matrix
        # product rounds 64 rows otherwise than two batches of 32, predict's default
        expected = model.predict(x, verbose=0, batch_size=rows)
        np.testing.assert_array_equal(served.serve(tf.constant(x)).numpy(), expected)
        np.testing.assert_array_equal(reloaded.predict(x, verbose=0, batch_size=rows), expected)


def test_the_xla_context_check_is_tensorflows_own():
    # If TensorFlow moves it, fused kernels would nest inside jit_compile=True programs.
    assert _base._in_xla.__module__.startswith("tensorflow"), (
        f"TensorFlow {tf.__version__} moved GraphOrParentsInXlaContext (see "
        "keras_acts/activations/_base.py).")
    seen = []
    tf.function(lambda t: seen.append(_base.in_xla_context()) or t, jit_compile=True)(tf.zeros(2))
    tf.function(lambda t: seen.append(_base.in_xla_context()) or t)(tf.zeros(2))
    assert seen == [True, False] and not _base.in_xla_context()


def test_set_xla_cpu_vector_width_checks_its_argument():
    with pytest.raises(TypeError, match="`bits`"):
        config.set_xla_cpu_vector_width("512")
    with pytest.raises(ValueError, match="`bits`.*512"):
        config.set_xla_cpu_vector_width(1024)


def test_set_xla_cpu_vector_width_is_too_late_once_keras_acts_compiled():
    config.xla_fusion_enabled()  # the first use compiles a probe with XLA
    with pytest.raises(RuntimeError, match="before anything is compiled"):
        config.set_xla_cpu_vector_width(512)


def test_set_xla_cpu_vector_width_reaches_xla_and_keeps_other_options(tmp_path):
    # XLA writes the options it compiled with beside its dumps; the test's own option
    # (the dump) must survive, and the width replace one given before.
    code = (
        "import tensorflow as tf, keras_acts\n"
        "tf.exp(tf.ones([4]))\n"  # TensorFlow has run, XLA has not compiled
        "print(keras_acts.config.set_xla_cpu_vector_width(512))\n"
        "keras_acts.get('gelu')(tf.ones([64, 1024]))\n"
    )
    env = {"XLA_FLAGS": f"--xla_cpu_prefer_vector_width=128 --xla_dump_to={tmp_path}",
           "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [f"--xla_dump_to={tmp_path}", "--xla_cpu_prefer_vector_width=512"]
    options = [p.read_text() for p in tmp_path.glob("*debug_options")]
    assert options and all("xla_cpu_prefer_vector_width: 512" in o for o in options)


def test_numerics_hold_with_512_bit_vectors():
    # Users are told they may ask XLA for 512-bit vectors: every numerics check of XLA's
    # forms, in a process of its own (XLA reads the option once), with them.
    root = pathlib.Path(__file__).resolve().parent.parent
    env = {"XLA_FLAGS": "--xla_cpu_prefer_vector_width=512", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/activations/test_numerics.py", "-k", "xla"],
        capture_output=True, text=True, timeout=900, env=env, cwd=root)
    summary = done.stdout.strip().splitlines()[-1:]
    assert done.returncode == 0 and summary and " passed" in summary[0], done.stdout[-3000:]


def test_small_eager_softmax_rows_compile_only_where_fusion_allows(fusion_switch, monkeypatch):
    # A small tensor of several rows eagerly runs softmax's careful form as one compiled
    # kernel, a compilation per new shape: fusion off (or from a size above it) must keep
    # it out, as it keeps every other compiled kernel out.
    import importlib

    module = importlib.import_module("keras_acts.activations.softmax")
    compiled = []
    monkeypatch.setattr(module, "eager_compiled", lambda fn, x: compiled.append(x.shape) or fn(x))
    x = tf.random.stateless_normal([8, 128], seed=[1, 2])
    expected = tf.nn.softmax(x).numpy()
    for switch, compiles in [({"enabled": True}, True), ({"enabled": False}, False),
                             ({"enabled": True, "from_elements": 2 ** 20}, False)]:
        fusion_switch(**switch)
        compiled.clear()
        np.testing.assert_allclose(keras_acts.activations.softmax(x).numpy(), expected, rtol=1e-6)
        assert bool(compiled) == compiles, switch


def test_tracing_several_kernels_in_a_row_does_not_warn_of_retracing():
    # TensorFlow keys its retracing count on the Python code traced, one lambda for every
    # compiled kernel: a tape of a tape over a few functions warned "triggered tf.function
    # retracing", though each kernel is traced once per signature
    import logging

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = tf.get_logger()
    logger.addHandler(handler)
    try:
        # rank 4: kernels no other test traces (they are kept per dtype and rank)
        x = tf.random.stateless_normal([1, 2, 3, 5], seed=[3, 4], dtype=tf.float64)
        for name in ("elu", "selu", "celu", "mish", "gelu", "silu", "lisht", "serf"):
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = keras_acts.get(name)(x)
                g = inner.gradient(y, x)
            assert outer.gradient(g, x) is not None
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if "retracing" in r.getMessage()]
