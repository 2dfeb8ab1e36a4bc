"""keras_acts.config: XLA fusion of the custom-gradient functions in graphs.

Whether fused results are accurate is tests/activations/test_numerics.py's
business (every check runs eagerly and in a tf.function); here: that graphs
do fuse, that the switch works, and that fusion costs one trace, not one per call.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import config
from keras_acts.activations import _base


def xla_compiled_calls(fn, x) -> int:
    """How many XLA-compiled function calls a traced forward+backward of ``fn`` holds."""

    @tf.function(autograph=False)
    def forward_backward(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        return y, tape.gradient(y, t)

    graph = forward_backward.get_concrete_function(x).graph.as_graph_def()
    nodes = [*graph.node, *(n for f in graph.library.function for n in f.node_def)]
    return sum(1 for n in nodes if n.attr["_XlaMustCompile"].b)


@pytest.fixture
def fusion_switch():
    yield config.set_xla_fusion
    config.set_xla_fusion(True)


@pytest.mark.parametrize("name", ["elu", "selu", "tanh_shrink", "squareplus", "gelu", "log_softmax"])
def test_graphs_run_forward_and_backward_as_xla_kernels(name, fusion_switch):
    x = tf.constant(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    fn = keras_acts.get(name)
    assert config.xla_fusion_enabled()
    assert xla_compiled_calls(fn, x) == 2  # one kernel forward, one backward
    fusion_switch(False)
    assert not config.xla_fusion_enabled()
    assert xla_compiled_calls(fn, x) == 0


@pytest.mark.parametrize("name", ["glu", "swiglu", "sine_relu"])
def test_more_functions_fuse(name):
    x = tf.constant(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    assert xla_compiled_calls(keras_acts.get(name), x) == 2


def test_learnable_layers_fuse_their_formula(fusion_switch):
    x = tf.constant(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    for layer in (keras_acts.layers.PReLU(), keras_acts.layers.PELU()):
        layer.build(x.shape)
        assert xla_compiled_calls(layer, x) >= 1, type(layer).__name__
        eager = layer(x).numpy()
        np.testing.assert_allclose(tf.function(layer)(x).numpy(), eager, rtol=1e-6, atol=1e-7)
    fusion_switch(False)
    assert xla_compiled_calls(keras_acts.layers.PReLU(), x) == 0


def test_single_kernel_passes_stay_tensorflow_kernels():
    # leaky_relu is one TensorFlow kernel each way; softplus forward is, its gradient is not.
    x = tf.constant([[-1.0, 0.5, 2.0]])
    assert xla_compiled_calls(keras_acts.get("leaky_relu"), x) == 0
    assert xla_compiled_calls(keras_acts.get("softplus"), x) == 1


def test_fused_graph_matches_the_eager_result_to_a_few_ulp():
    x = tf.constant(np.random.default_rng(0).normal(0, 4, (64, 256)).astype(np.float32))
    for name in ("elu", "selu", "celu", "softplus", "mish", "silu", "tanh_shrink", "log_softmax"):
        fn = keras_acts.get(name)
        eager = fn(x).numpy()
        graph = tf.function(fn, autograph=False)(x).numpy()
        np.testing.assert_allclose(graph, eager, rtol=8 * 2.0 ** -23, atol=2.0 ** -126, err_msg=name)


def test_one_trace_serves_every_layer_and_shape():
    fn = keras_acts.get("elu")
    before = len(_base._COMPILED)
    for shape in ([5, 7], [3, 11], [9, 2]):
        x = tf.zeros(shape)
        tf.function(lambda t: fn(t) + fn(2 * t), autograph=False)(x)
    # elu's forward and backward for rank-2 float32: at most 2 new entries, whatever came before.
    assert len(_base._COMPILED) - before <= 2
    keys = [k for k in _base._COMPILED if k[2] == ((tf.float32, 2),)]
    assert keys


def test_set_xla_fusion_takes_a_bool():
    with pytest.raises(TypeError, match="`enabled`"):
        config.set_xla_fusion("no")


def test_environment_variable_turns_fusion_off():
    code = (
        "import keras_acts\n"
        "print(keras_acts.config.xla_fusion_enabled())\n"
    )
    env = {"KERAS_ACTS_XLA_FUSION": "0", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": ""}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.stdout.strip().splitlines()[-1:] == ["False"], done.stderr[-2000:]
