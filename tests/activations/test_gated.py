"""keras_acts/activations/gated.py: how the gradient's two halves are joined inside XLA.

Inside XLA the backward pass stacks the halves on a new axis and reshapes, which
XLA:CPU fuses into the loop computing them; a concatenation on the split axis
stays an instruction of its own, a further copy of the whole gradient.
"""

import re

import numpy as np
import pytest
import tensorflow as tf

import keras_acts

UNITS = ("glu", "swiglu", "geglu", "reglu")


def _forward_and_backward(fn, **options):
    def run(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x, **options)
        return y, tape.gradient(y, x, output_gradients=dy)

    return run


def _entry(hlo_text: str) -> str:
    return hlo_text[hlo_text.index("ENTRY"):]


@pytest.mark.parametrize("name", UNITS)
def test_xla_writes_the_gradient_in_one_fusion_with_no_concatenate_of_its_own(name):
    fn = keras_acts.get(name)
    x = tf.zeros([64, 256])
    dy = tf.zeros([64, 128])
    compiled = tf.function(_forward_and_backward(fn), jit_compile=True, autograph=False)
    entry = _entry(compiled.experimental_get_compiler_ir(x, dy)(stage="optimized_hlo"))
    assert not re.search(r"= f32\[[0-9,]+\]\{[0-9,]+\} concatenate\(", entry), entry
    # nothing of the gate's size is written but the output: geglu's gelu and its slope
    # share no intermediate that XLA would keep (their rationals' constants differ)
    halves = re.findall(r"= f32\[64,128\]\{1,0\} (\w+)\(", entry)
    assert [op for op in halves if op != "parameter"] == ["fusion"], entry


@pytest.mark.parametrize("gate", ["first", "second"])
@pytest.mark.parametrize("name", UNITS)
def test_xla_gradient_has_its_halves_where_the_unfused_one_has_them(name, gate):
    fn = keras_acts.get(name)
    rng = np.random.default_rng(7)
    x = tf.constant(rng.standard_normal([3, 8, 5]), tf.float32)
    dy = tf.constant(rng.standard_normal([3, 4, 5]), tf.float32)
    run = _forward_and_backward(fn, axis=1, gate=gate)
    keras_acts.config.set_xla_fusion(False)
    try:
        _, unfused = tf.function(run, autograph=False)(x, dy)
    finally:
        keras_acts.config.set_xla_fusion(True)
    _, in_xla = tf.function(run, jit_compile=True, autograph=False)(x, dy)
    np.testing.assert_allclose(in_xla.numpy(), unfused.numpy(), rtol=2e-6, atol=1e-7)
