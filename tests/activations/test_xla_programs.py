"""Inside one XLA program (``jit_compile=True``), forward and backward together.

XLA merges a function's forward pass with its gradient there, and can choose to keep
intermediates of the forward formula for the backward pass, or to rebuild the output
from them: each is one more buffer written and read (log_sigmoid, as a negated
softplus, kept its exponential and a quotient: 2.4x relu's training-step buffers).
Every elementwise function's program should write its two results and nothing else
of the tensor's size.
"""

import re

import pytest
import tensorflow as tf

import keras_acts
from keras_acts import benchmarking, registry

ROWS, WIDTH = 64, 1024
ELEMENTWISE = [name for name in registry.list_activations()
               if not benchmarking.is_axis_wise(name) and registry.spec(name).family != "gated"]
FULL_SIZE = re.compile(rf"= (f32|f64|pred|s32)\[{ROWS},{WIDTH}\]\{{1,0\}} (\w+)\(")


def _forward_and_backward(fn):
    def run(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return y, tape.gradient(y, x, output_gradients=dy)

    return tf.function(run, jit_compile=True, autograph=False)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_and_backward_in_one_program_write_only_their_results(name):
    x = tf.zeros([ROWS, WIDTH])
    program = _forward_and_backward(keras_acts.get(name))
    hlo = program.experimental_get_compiler_ir(x, x)(stage="optimized_hlo")
    entry = hlo[hlo.index("ENTRY"):]
    written = [m.group(2) for m in FULL_SIZE.finditer(entry) if m.group(2) != "parameter"]
    assert len(written) <= 2, written
