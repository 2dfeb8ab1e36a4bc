"""Inside one XLA program (``jit_compile=True``), forward and backward together.

XLA merges a function's forward pass with its gradient there, and can choose to keep
intermediates of the forward formula for the backward pass, or to rebuild the output
from them: each is one more buffer written and read (log_sigmoid, as a negated
softplus, kept its exponential and a quotient: 2.4x relu's training-step buffers).
Every elementwise function's program should write its two results and nothing else
of the tensor's size. Functions of a whole axis reduce each row: XLA:CPU gives a
reduction of one computed tensor to a library kernel that reads it from memory, so
their sums are one XLA reduction of everything they sum (``row_sums``), computed
inside its loop and written nowhere.
"""

import re

import pytest
import tensorflow as tf

import keras_acts
from keras_acts import benchmarking, registry

ROWS, WIDTH = 64, 1024
ELEMENTWISE = [name for name in registry.list_activations()
               if not benchmarking.is_axis_wise(name) and registry.spec(name).family != "gated"]
NOT_WRITTEN = {"parameter", "bitcast", "get-tuple-element", "tuple"}


def _written(hlo: str, rows: int = ROWS, width: int = WIDTH) -> list[str]:
    """The tensors of the input's size (``[rows, width]``) that the program writes:
    those of its entry and of every loop's body and condition (not the computations
    inside a fusion or a reduction, whose values stay in registers, nor a
    conditional's branches, each of which may compute the result)."""
    full_size = re.compile(rf"%([\w.\-]+) = (f32|f64|pred|s32)\[{rows},{width}\]\{{1,0\}} ([\w\-]+)\(")
    inside = set(re.findall(r"(?:calls|to_apply|true_computation|false_computation)=%([\w.\-]+)", hlo))
    for branches in re.findall(r"branch_computations=\{([^}]*)\}", hlo):
        inside |= set(re.findall(r"%([\w.\-]+)", branches))
    written = []
    for computation in re.split(r"\n(?=\S)", hlo):
        name = re.match(r"(?:ENTRY )?%([\w.\-]+)", computation)
        if name is None or name.group(1) in inside:
            continue
        written += [m.group(1) for m in full_size.finditer(computation) if m.group(3) not in NOT_WRITTEN]
    return written


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
    written = _written(program.experimental_get_compiler_ir(x, x)(stage="optimized_hlo"))
    assert len(written) <= 2, written


# What each writes beside its results, forward and with the gradient: softmax and softmin
# their exponentials (used three times, XLA computes them once); sparsemax nothing, its
# Newton steps started from chunks' maxima on rows of 1024 (below: from -1).
AXIS_WISE = {"softmax": 1, "softmin": 1, "log_softmax": 0, "sparsemax": 0}


@pytest.mark.parametrize("name", sorted(AXIS_WISE))
def test_functions_of_an_axis_write_their_results_and_no_sum_s_terms(name):
    x = tf.zeros([ROWS, WIDTH])
    forward = tf.function(lambda t: keras_acts.get(name)(t), jit_compile=True, autograph=False)
    written = _written(forward.experimental_get_compiler_ir(x)(stage="optimized_hlo"))
    assert len(written) <= 1 + AXIS_WISE[name], written
    both = _forward_and_backward(keras_acts.get(name))
    written = _written(both.experimental_get_compiler_ir(x, x)(stage="optimized_hlo"))
    assert len(written) <= 2 + AXIS_WISE[name], written


def test_sparsemax_from_minus_one_writes_its_shifted_logits_once():
    """On rows shorter than 768 sparsemax's Newton steps start from -1, and read the
    logits less their max, which XLA writes once (above, from chunks' maxima: nothing)."""
    x = tf.zeros([ROWS, 512])
    forward = tf.function(lambda t: keras_acts.activations.sparsemax(t), jit_compile=True, autograph=False)
    hlo = forward.experimental_get_compiler_ir(x)(stage="optimized_hlo")
    assert len(_written(hlo, ROWS, 512)) == 2


def test_log_softmax_sums_its_rest_and_its_ties_in_one_pass():
    """log_softmax sums the exponentials below the row's max and counts the entries at
    it: one XLA reduction with both sums (as two, one pass more over the logits; with
    the rows folded into 32 steps XLA:CPU's loop of both was not vectorized)."""
    x = tf.zeros([ROWS, WIDTH])
    forward = tf.function(lambda t: keras_acts.activations.log_softmax(t), jit_compile=True, autograph=False)
    hlo = forward.experimental_get_compiler_ir(x)(stage="optimized_hlo")
    reductions_of_sums = re.findall(r"= \((?:f32\[[\d,]+\]\{[\d,]+\}(?:, )?){2}\) reduce\(", hlo)
    assert len(reductions_of_sums) == 1, hlo
