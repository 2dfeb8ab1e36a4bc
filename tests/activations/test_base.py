"""keras_acts/activations/_base.py: the helpers formulas share."""

import math
from fractions import Fraction

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_acts.activations._base import (
    batch_sums,
    chunk_maxima,
    expm1_nonpositive,
    forms_for_gpu,
    holds_nan_on_host,
    row_sums,
    softplus_kernel,
    where,
)

import keras_acts
from keras_acts import activations as A

from .numerics_tools import DTYPES, NUMPY_DTYPES, apply, ulp

GRID = np.unique(np.concatenate([
    np.linspace(-90.0, 0.0, 20001), -np.geomspace(1e-30, 90.0, 4001), [0.0, -0.5, -np.inf],
]).astype(np.float32))


# TensorFlow's own expm1 outside XLA (2.6 ULP off near -0.27): the project's 8 ULP bound;
# the form XLA runs is the one written here.
@pytest.mark.parametrize("jit, bound", [(False, 8.0), (True, 2.0)], ids=["tensorflow", "xla"])
def test_expm1_nonpositive_accuracy(jit, bound):
    fn = tf.function(expm1_nonpositive, jit_compile=True) if jit else expm1_nonpositive
    got = fn(tf.constant(GRID)).numpy().astype(np.float64)
    exact = np.expm1(GRID.astype(np.float64))  # float64's expm1: exact to float32's precision
    ulps = np.abs(got - exact) / np.spacing(np.abs(exact).astype(np.float32))
    assert np.all(ulps[exact != 0] <= bound), float(GRID[np.argmax(ulps)])
    assert got[GRID == 0][0] == 0.0 and got[GRID == -np.inf][0] == -1.0
    assert np.isnan(fn(tf.constant([np.nan], tf.float32)).numpy()[0])


# float32 outputs of -87 and below are subnormal, which the CPU flushes to 0.
SOFTPLUS_GRID = np.unique(np.concatenate([
    np.linspace(-87.0, 90.0, 200001), np.linspace(-3.0, 3.0, 100001),
    -np.geomspace(1e-30, 87.0, 4001), np.geomspace(1e-30, 87.0, 4001), [0.0, 3.4e38],
]).astype(np.float32))


# TensorFlow's kernel is 7 ULP off near -14 (it takes exp(x) for log1p(exp(x))): the
# project's 8 ULP bound; the form XLA runs is the one written here (1.8 ULP here, where the
# earlier atanh form reached 3.3; float32 rounding varies with FMA contraction and XLA's exp).
@pytest.mark.parametrize("jit, bound", [(False, 8.0), (True, 2.5)], ids=["tensorflow", "xla"])
def test_softplus_kernel_accuracy(jit, bound):
    fn = tf.function(softplus_kernel, jit_compile=True) if jit else softplus_kernel
    got = fn(tf.constant(SOFTPLUS_GRID)).numpy().astype(np.float64)
    exact = np.logaddexp(0.0, SOFTPLUS_GRID.astype(np.float64))
    ulps = np.abs(got - exact) / np.spacing(exact.astype(np.float32))
    assert np.all(ulps <= bound), float(SOFTPLUS_GRID[np.argmax(ulps)])
    limits = fn(tf.constant([np.inf, -np.inf, np.nan], tf.float32)).numpy()
    assert limits[0] == np.inf and limits[1] == 0.0 and np.isnan(limits[2])


def test_eager_tape_runs_the_fused_kernel_without_its_intermediates():
    """Eagerly under a tape, a fused forward kernel runs as itself: a tape recording the
    call would make TensorFlow run a variant that also returns every intermediate."""
    import keras_acts
    from keras_acts.activations import _base

    x = tf.random.normal([256, 1024])  # 2^18 elements: fused
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = keras_acts.activations.elu(x)
    tape.gradient(y, x)
    kernels = [f for key, f in _base._COMPILED.items() if key[0].__name__ == "_unit_elu"]
    assert kernels
    outputs = {len(c.outputs) for f in kernels for c in f._list_all_concrete_functions()}
    assert outputs == {1}, outputs


def test_autograph_calls_every_function_as_it_is():
    """Inside a tf.function (model.fit's too), AutoGraph would otherwise rewrite each
    function and everything it calls: TensorFlow ops with no control flow on tensors,
    traced 18x more slowly. TensorFlow's own mark for graph code; if TensorFlow moves
    it, this import fails and keras_acts's fallback leaves AutoGraph converting."""
    import keras_acts
    from tensorflow.python.autograph.impl.api import is_autograph_artifact

    ours = [n for n in keras_acts.list_activations()
            if keras_acts.get(n).__module__.startswith("keras_acts.")]
    assert len(ours) >= 40
    assert [n for n in ours if not is_autograph_artifact(keras_acts.get(n))] == []
    x = tf.constant([-1.0, 0.5])
    traced = tf.function(keras_acts.get("elish"))  # autograph=True, the default
    np.testing.assert_array_equal(traced(x).numpy(), keras_acts.get("elish")(x).numpy())


def test_eager_tape_records_one_operation_with_the_functions_own_gradient():
    """Eagerly under a tape, keras_acts records its gradient on the tape itself, through
    TensorFlow's private record_operation (tf.custom_gradient's Python cost ~100 µs a
    call, more than a small layer's whole step): loud if TensorFlow moves it."""
    import keras_acts
    from keras_acts.activations import _base

    assert _base._record_operation is not None and _base._record_operation.__module__.startswith(
        "tensorflow"), (f"TensorFlow {tf.__version__} moved record_operation (see "
                        "keras_acts/activations/_base.py): eager gradients now take tf.custom_gradient.")
    x = tf.constant([-30.0, -1e-3, 0.5, 4.0], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = keras_acts.activations.elu(x)
        z = keras_acts.activations.softplus(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.where(x > 0, 1.0, np.exp(x)), rtol=1e-15)
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-15)


@pytest.mark.parametrize("name, second", [
    ("elu", lambda x: np.where(x > 0, 0.0, np.exp(x))),
    ("softplus", lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2),
    ("gelu", lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi) * (2 - x * x)),
])
def test_second_derivatives_eagerly_through_nested_tapes(name, second):
    import keras_acts

    x64 = np.array([-6.0, -1.5, -0.25, 0.3, 2.0, 7.0])
    x = tf.constant(x64, tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = keras_acts.get(name)(x)
        first = inner.gradient(y, x)
    np.testing.assert_allclose(outer.gradient(first, x).numpy(), second(x64), rtol=2e-5, atol=1e-7)


def test_a_pass_of_one_tensorflow_kernel_runs_eagerly_as_itself_on_small_tensors():
    """A compiled call costs about 10 µs eagerly, one TensorFlow kernel 5: on small
    tensors, a pass that is one kernel outside XLA runs as that kernel. On large ones the
    compiled pass stays, which may be a faster formula (softplus's inside XLA)."""
    from keras_acts.activations import _base

    rng = np.random.default_rng(0)
    small, large = (tf.constant(rng.normal(0, 5, shape).astype(np.float32)) for shape in ([1, 1024], [64, 1024]))
    direct = _base._direct(softplus_kernel, (), (small,))
    np.testing.assert_array_equal(direct(small).numpy(), tf.raw_ops.Softplus(features=small).numpy())
    compiled = _base._compiled(softplus_kernel, (), (large,))(large).numpy()
    assert not np.array_equal(compiled, tf.raw_ops.Softplus(features=large).numpy())  # another formula
    np.testing.assert_array_equal(direct(large).numpy(), compiled)
    two = _base._direct(lambda dy, y: dy * tf.math.exp(y), (), (small, small))
    assert two.__name__ == "call_function"  # more than one kernel: compiled at every size


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_holds_nan_on_host_finds_a_nan_and_only_a_nan(dtype):
    """A NaN anywhere, and nothing else: infinities and squares that overflow are not NaN."""
    big = np.finfo(dtype).max
    clean = np.array([[0.0, -1.0, big, -big], [np.inf, -np.inf, 1e-30, 2.0]], dtype)
    assert not holds_nan_on_host(tf.constant(clean))
    for at in np.ndindex(clean.shape):
        dirty = clean.copy()
        dirty[at] = np.nan
        assert holds_nan_on_host(tf.constant(dirty))
    assert not holds_nan_on_host(tf.zeros([0, 3], dtype))


def _softmax_jacobian(x):
    p = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    return np.diag(p) - np.outer(p, p)


@pytest.mark.parametrize("name, jacobian", [
    ("elu", lambda x: np.diag(np.where(x > 0, 1.0, np.exp(x)))),
    ("softplus", lambda x: np.diag(1 / (1 + np.exp(-x)))),
    ("gelu", lambda x: np.diag([math.erfc(-v / math.sqrt(2)) / 2 + v * math.exp(-v * v / 2)
                                / math.sqrt(2 * math.pi) for v in x])),
    ("leaky_relu", lambda x: np.diag(np.where(x > 0, 1.0, 0.2))),
    ("softmax", _softmax_jacobian),
])
def test_eager_jacobians_and_forward_mode_through_the_recorded_gradient(name, jacobian):
    """tape.jacobian runs the recorded gradient inside a graph (pfor) or a while loop, and
    ForwardAccumulator transposes it: every way must reach keras_acts's own gradient."""
    import keras_acts

    x64 = np.array([-2.0, -0.5, 0.3, 3.0])
    x, expected = tf.constant(x64, tf.float32), jacobian(x64)
    fn = keras_acts.get(name)
    for use_pfor in (True, False):
        with tf.GradientTape(persistent=not use_pfor) as tape:
            tape.watch(x)
            y = fn(x)
        got = tape.jacobian(y, x, experimental_use_pfor=use_pfor).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7, err_msg=f"pfor={use_pfor}")
    tangent = np.array([1.0, -2.0, 0.5, 0.25])
    with tf.autodiff.ForwardAccumulator(x, tf.constant(tangent, tf.float32)) as accumulator:
        y = fn(x)
    np.testing.assert_allclose(accumulator.jvp(y).numpy(), expected @ tangent, rtol=1e-5, atol=1e-7)


def _variadic_reductions(fn, *tensors) -> int:
    return _variadic_reductions_in(fn.get_concrete_function(*tensors).graph)


def _variadic_reductions_in(graph) -> int:
    """In ``graph`` and the functions it calls (loops' bodies, conditionals' branches)."""
    graph_def = graph.as_graph_def()
    nodes = [*graph_def.node, *(n for f in graph_def.library.function for n in f.node_def)]
    return sum(node.op.startswith("XlaVariadicReduce") for node in nodes)


@pytest.mark.parametrize("shape, reductions", [
    ((64,), 2), ((3, 96), 2), ((2, 3, 1024), 2), ((2, 4096), 2), ((3, 1000), 2), ((5, 32), 2),
    ((4, 100), 2), ((4, 30), 0), ((3, 10), 0), ((2, 0), 0),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_sums_inside_xla_are_sums_of_each_row(shape, reductions, dtype):
    """Inside XLA, rows that fold into [k, n / k] (k at most 16, columns of 16 or more)
    are summed by one XLA reduction of every tensor; others by tf.reduce_sum. Either
    way each tensor's sums along the last axis, kept."""
    rng = np.random.default_rng(3)
    a, b = (rng.normal(0, 3, shape).astype(dtype) for _ in range(2))
    fn = tf.function(lambda s, t: [*row_sums(tf.exp(s), s * t), *row_sums(tf.abs(t))],
                     jit_compile=True, autograph=False)
    got = [v.numpy() for v in fn(tf.constant(a), tf.constant(b))]
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    eps = np.finfo(dtype).eps
    for value, terms in zip(got, (np.exp(a64), a64 * b64, np.abs(b64))):
        assert value.shape == shape[:-1] + (1,) and value.dtype == dtype
        scale = np.abs(terms).sum(axis=-1, keepdims=True)  # the rounding error's scale
        assert np.all(np.abs(value - terms.sum(axis=-1, keepdims=True)) <= 16 * eps * scale)
    assert _variadic_reductions(fn, tf.constant(a), tf.constant(b)) == reductions


@pytest.mark.parametrize("width, fold", [(1024, (16, 64)), (4096, (16, 256)), (1000, (5, 200)),
                                         (100, (5, 20)), (128, (8, 16)), (64, (4, 16)), (32, (2, 16))])
def test_row_sums_reduce_over_16_steps_or_fewer(width, fold):
    """The reduction's loop runs over the first axis of ``[k, n / k]``: LLVM vectorizes
    it only where it unrolls those k steps, so k stays at 16 or under whatever the row's
    length (a fold into columns of 32 took 32 steps on rows of 1024, 128 on 4096), and
    the columns fill whole vectors of 8 where the row allows (rows of 1000 fold into
    columns of 200, not 125; rows of 100, which 8 does not divide, into 20)."""
    fn = tf.function(lambda s, t: row_sums(tf.where(s > 0, t, 0.0), tf.cast(s > 0, tf.float32)),
                     jit_compile=True, autograph=False)
    x = tf.zeros([3, width])
    graph = fn.get_concrete_function(x, x).graph
    reductions = [op for op in graph.get_operations() if op.type.startswith("XlaVariadicReduce")]
    assert len(reductions) == 1
    operands = [tuple(t.shape.as_list()) for t in reductions[0].inputs[:2]]
    assert operands == [(3, *fold)] * 2
    assert reductions[0].get_attr("dimensions_to_reduce") == [1]


@pytest.mark.parametrize("shape", [(40, 8, 32), (64, 128), (5, 64), (16, 3)])
@pytest.mark.parametrize("jit", [True, False], ids=["xla", "tensorflow"])
def test_batch_sums_are_sums_over_the_first_axis(shape, jit):
    """Inside XLA one reduction of the rows that fold into steps of 16 (none for 5
    rows), the others added apart; outside XLA tf.reduce_sum. Its gradient broadcasts
    the upstream one to every row (a second derivative of PReLU's alpha)."""
    rng = np.random.default_rng(5)
    a = rng.normal(0, 3, shape).astype(np.float32)
    w = rng.normal(0, 1, shape[1:]).astype(np.float32)

    def run(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            total = batch_sums(tf.exp(t) - t)
            loss = tf.reduce_sum(w * total)
        return total, tape.gradient(loss, t)

    fn = tf.function(run, jit_compile=jit, autograph=False)
    total, grad = (v.numpy() for v in fn(tf.constant(a)))
    terms = np.exp(a.astype(np.float64)) - a
    assert total.shape == shape[1:]
    scale = np.abs(terms).sum(axis=0)
    assert np.all(np.abs(total - terms.sum(axis=0)) <= 16 * np.finfo(np.float32).eps * scale)
    np.testing.assert_allclose(grad, (np.exp(a.astype(np.float64)) - 1) * w, rtol=1e-5, atol=1e-6)
    assert _variadic_reductions(fn, tf.constant(a)) == (1 if jit else 0)


def test_row_sums_are_tensorflows_outside_xla_and_in_forms_for_a_gpu():
    """TensorFlow's XLA op (private, tf2xla's variadic_reduce): loud if TensorFlow moves
    it. A GPU's XLA fuses reductions with what they sum; a graph without XLA runs
    TensorFlow's kernels."""
    from keras_acts.activations import _base

    assert _base._xla_variadic_reduce is not None, (
        f"TensorFlow {tf.__version__} moved tf2xla's variadic_reduce (see "
        "keras_acts/activations/_base.py): sums inside XLA now write what they sum first.")
    x = tf.ones([4, 64])
    for jit in (True, False):
        fn = tf.function(lambda t: row_sums(t * t), jit_compile=jit, autograph=False)
        assert _variadic_reductions(fn, x) == int(jit)
    with forms_for_gpu():
        fn = tf.function(lambda t: row_sums(t * t), jit_compile=True, autograph=False)
        assert _variadic_reductions(fn, x) == 0
        np.testing.assert_array_equal(fn(x)[0].numpy(), np.full([4, 1], 64.0, np.float32))


@pytest.mark.parametrize("jit", [True, False], ids=["xla", "tensorflow"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chunk_maxima_are_the_strided_chunks_maxima_with_their_sums(jit, dtype):
    """Chunk j of a row of n holds entries j, j + n / size, ...: its max, and the sums
    of the counted tensors over it; inside XLA one reduction of them all."""
    rng = np.random.default_rng(4)
    x = rng.normal(0, 5, (2, 3, 64)).astype(dtype)
    positive = (x > 0).astype(dtype)
    fn = tf.function(lambda a, b: chunk_maxima(a, 16, b, 2 * b), jit_compile=jit, autograph=False)
    high, count, twice = (t.numpy() for t in fn(tf.constant(x), tf.constant(positive)))
    chunks = x.reshape(6, 16, 4)  # [rows, size, n / size]: entries j + 4 i
    np.testing.assert_array_equal(high, chunks.max(axis=1))
    np.testing.assert_array_equal(count, positive.reshape(6, 16, 4).sum(axis=1))
    np.testing.assert_array_equal(twice, 2 * count)
    if jit:
        assert _variadic_reductions(fn, tf.constant(x), tf.constant(positive)) == 1


def test_fused_kernels_of_a_whole_axis_are_traced_for_their_row_length():
    """Fused kernels are traced once for any shape of a rank; those of the functions of
    an axis once per row length, which their sums fold rows by (row_sums): with it
    unknown, a sum inside the kernel writes what it sums first."""
    import keras_acts
    from keras_acts.activations import _base

    x = tf.random.normal([64, 1024])  # 2^16 elements: fused
    keras_acts.activations.sparsemax(x)
    tf.function(lambda t: keras_acts.activations.sparsemax(t), autograph=False)(x)
    keras_acts.activations.elu(x)

    def traced(function_name):
        return [c for key, f in _base._COMPILED.items() if key[0].__name__ == function_name
                for c in f._list_all_concrete_functions()]

    kernels = traced("_sparsemax_last")  # other tests' too, of other row lengths
    assert all(c.inputs[0].shape[-1] is not None for c in kernels)
    wide = [c for c in kernels if c.inputs[0].shape.as_list() == [None, 1024]]
    assert wide
    for kernel in wide:
        assert _variadic_reductions_in(kernel.graph) >= 1
    assert all(c.inputs[0].shape[-1] is None for c in traced("_unit_elu"))


@pytest.mark.parametrize("jit", [False, True], ids=["graph", "xla"])
def test_where_is_tf_where_and_takes_select_for_branches_of_one_shape_outside_xla(jit):
    """Outside XLA, branches of the condition's static shape take TensorFlow's Select
    (SelectV2, tf.where's kernel, costs twice as much on small tensors); a scalar branch,
    a broadcast branch, an unknown rank and XLA keep tf.where. The values are tf.where's."""
    def kinds(fn, *specs):
        graph = tf.function(fn, autograph=False, jit_compile=jit).get_concrete_function(*specs).graph
        return {op.type for op in graph.get_operations()} & {"Select", "SelectV2"}

    row, column = tf.TensorSpec([None, 4], tf.float32), tf.TensorSpec([None, 1], tf.float32)
    same = lambda x: where(x > 0, x, -2 * x)  # noqa: E731
    scalar = lambda x: where(x > 0, x, tf.constant(0.5))  # noqa: E731
    broadcast = lambda x, c: where(x > 0, x, c)  # noqa: E731
    assert kinds(same, row) == ({"SelectV2"} if jit else {"Select"})
    assert kinds(scalar, row) == {"SelectV2"}
    assert kinds(broadcast, row, column) == {"SelectV2"}
    assert kinds(same, tf.TensorSpec(None, tf.float32)) == {"SelectV2"}

    x = tf.constant([[-1.0, 0.0, 2.0, np.nan], [3.0, -0.0, -np.inf, 1e-30]])
    c = tf.constant([[7.0], [8.0]])
    for fn, args, expected in [
        (same, (x,), tf.where(x > 0, x, -2 * x)),
        (scalar, (x,), tf.where(x > 0, x, 0.5)),
        (broadcast, (x, c), tf.where(x > 0, x, c)),
    ]:
        for got in (tf.function(fn, autograph=False, jit_compile=jit)(*args), fn(*args)):  # and eagerly
            np.testing.assert_array_equal(got.numpy().view(np.int32), expected.numpy().view(np.int32))


# Keyword thresholds, compared as the Python numbers they are: inputs on both sides of
# each threshold, one and two steps of the dtype away, against exact rational arithmetic.
THRESHOLDS = (0.1, 1 / 3, 0.7, 2.9, 0.5)  # the last one exact in every dtype


def _neighbours(value: float, dtype: str) -> np.ndarray:
    """The numbers of ``dtype`` nearest ``value``: two below it and two above."""
    numpy_dtype = NUMPY_DTYPES[dtype]
    near = np.asarray(value, numpy_dtype)
    points = [near]
    for direction in (-np.inf, np.inf):
        step = near
        for _ in range(3):
            step = np.nextafter(step, np.asarray(direction, numpy_dtype))
            points.append(step)
    return np.unique(np.asarray(points, numpy_dtype))


def _run(fn, x, mode, **options):
    return apply(fn, tf.constant(x), options, mode=mode)


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("t", THRESHOLDS)
def test_keyword_thresholds_compare_as_given(t, dtype, mode):
    """``hard_shrink(0.1f, threshold=0.1)`` keeps 0.1f (0.10000000149 > 0.1): a threshold
    rounded to the dtype first gave 0, and ``x > t`` in ``threshold`` and ``relu`` the
    same way. Gradients: 1 on the kept side, 0 on the other."""
    x = _neighbours(t, dtype)
    x = np.concatenate([x, -x])
    exact = [Fraction(float(v)) for v in x.astype(np.float64)]
    above, beyond = [v > Fraction(t) for v in exact], [abs(v) > Fraction(t) for v in exact]
    want = np.where(beyond, x.astype(np.float64), 0.0)
    run = _run(A.hard_shrink, x, mode, threshold=t)
    np.testing.assert_array_equal(run.y, want)
    np.testing.assert_array_equal(run.dy, np.where(beyond, 1.0, 0.0))
    run = _run(A.threshold, x, mode, threshold=t, default_value=-2.0)
    np.testing.assert_array_equal(run.y, np.where(above, x.astype(np.float64), -2.0))
    np.testing.assert_array_equal(run.dy, np.where(above, 1.0, 0.0))
    run = _run(A.relu, x, mode, threshold=t)
    np.testing.assert_array_equal(run.y, np.where(above, x.astype(np.float64), 0.0))
    np.testing.assert_array_equal(run.dy, np.where(above, 1.0, 0.0))


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("t", THRESHOLDS)
def test_differences_from_keyword_thresholds_round_once(t, dtype, mode):
    """``soft_shrink`` and ``relu``'s sloped side subtract the threshold: near it, ``x - t``
    is small and a threshold rounded to the dtype first was off by its rounding (17x
    float16's tolerance at t = 0.1). Within one step of the dtype at the exact difference."""
    x = _neighbours(t, dtype)
    x = np.concatenate([x, -x, np.asarray([3 * t, -5 * t, 0.0], NUMPY_DTYPES[dtype])])
    exact = np.array([float(Fraction(float(v)) - Fraction(t)) for v in x.astype(np.float64)])
    shrunk = np.array([float(math.copysign(max(abs(Fraction(float(v))) - Fraction(t), 0), v))
                       for v in x.astype(np.float64)])
    steps = np.array([ulp(v, dtype) for v in shrunk])
    got = _run(A.soft_shrink, x, mode, threshold=t).y
    assert np.all(np.abs(got - shrunk) <= steps), (x[np.abs(got - shrunk) > steps], got, shrunk)
    assert np.array_equal(got == 0, shrunk == 0)  # the zeroed band is exact
    got = _run(A.relu, x, mode, threshold=t, negative_slope=0.25).y
    sloped = np.where(exact > 0, x.astype(np.float64), 0.25 * exact)
    steps = np.array([ulp(v, dtype) for v in sloped])
    assert np.all(np.abs(got - sloped) <= steps), (x[np.abs(got - sloped) > steps], got, sloped)


def test_options_given_as_0d_arrays_and_eager_tensors_are_the_numbers_they_hold():
    x = tf.constant([-2.0, 0.25, 1.0])
    np.testing.assert_array_equal(A.relu(x, threshold=np.array(0.5)).numpy(), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.relu(x, max_value=tf.constant(0.5)).numpy(), [0.0, 0.25, 0.5])
    np.testing.assert_allclose(A.elu(x, alpha=tf.constant(0.5)).numpy(), [0.5 * math.expm1(-2.0), 0.25, 1.0],
                               rtol=1e-6)
    np.testing.assert_array_equal(A.hard_tanh(x, tf.constant(-1.0), tf.constant(0.5)).numpy(), [-1.0, 0.25, 0.5])
    np.testing.assert_array_equal(A.gelu(x, approximate=1).numpy(), A.gelu(x, approximate=True).numpy())
    with pytest.raises(TypeError, match="`approximate`"):
        A.gelu(x, approximate=2)
    with pytest.raises(TypeError, match="`threshold`"):
        A.relu(x, threshold=np.array([0.5, 1.0]))  # not one number
    with pytest.raises(ValueError, match="`alpha`.*float64's range"):
        A.elu(x, alpha=10 ** 400)
    with pytest.raises(TypeError, match="`alpha`"):  # the name the caller used
        A.leaky_relu(x, alpha="0.1")


def test_threshold_takes_nan_as_its_replacement():
    # PyTorch's Threshold(threshold, value) takes any value, NaN included (a marker)
    y = A.threshold(tf.constant([-1.0, 2.0]), threshold=0.0, default_value=float("nan")).numpy()
    assert np.isnan(y[0]) and y[1] == 2.0


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_threshold_rounds_its_replacement_once_in_every_path(mode):
    """An eager bfloat16 constant rounds through float32 (twice): the replacement stored
    and the one the gradient's choice read could differ, and with them the gradient."""
    threshold, replacement = 1 + 2 ** -7, 1 + 3 * 2 ** -8 - 2 ** -40  # rounds once to 1 + 2^-7
    keras_acts.config.set_xla_fusion(False)  # eagerly, op by op
    try:
        run = _run(A.threshold, np.asarray([0.5, 2.0], NUMPY_DTYPES["bfloat16"]), mode,
                   threshold=threshold, default_value=replacement)
    finally:
        keras_acts.config.set_xla_fusion(True)
    np.testing.assert_array_equal(run.y, [1 + 2 ** -7, 2.0])
    np.testing.assert_array_equal(run.dy, [0.0, 1.0])


@pytest.mark.parametrize("variable", [tf.Variable, keras.Variable], ids=["tf", "keras"])
def test_a_variable_option_is_refused_naming_it_eagerly_and_in_graphs(variable):
    # Keras's functions differentiate a variable option; keras_acts's options are
    # constants of the formula, so taking its value would drop its gradient silently
    x = tf.constant([-2.0, 0.25, 1.0])
    v = variable(0.5)
    calls = {"alpha": lambda t: A.celu(t, alpha=v), "max_val": lambda t: A.hard_tanh(t, -1.0, v),
             "beta": lambda t: A.softplus(t, v), "negative_slope": lambda t: A.leaky_relu(t, v)}
    for argument, call in calls.items():
        for run in (call, tf.function(call, autograph=False)):
            with pytest.raises(TypeError, match=f"`{argument}` must be a number, got a variable"
                                                 ".*gradient would be lost.*keras_acts.layers"):
                run(x)
    with pytest.raises(TypeError, match="`alpha` must be a number, got a variable"):
        keras_acts.layers.ELU(alpha=v)
    # as a learnable layer's initial value, its value now
    layer = keras_acts.layers.PReLU(alpha_initializer=v)
    np.testing.assert_allclose(layer(x).numpy(), [-1.0, 0.25, 1.0])
    # integer variables have no gradient to lose: axes, counts give their values
    np.testing.assert_allclose(A.softmax([[0.0, 0.0]], axis=variable(-1)).numpy(), [[0.5, 0.5]])
    assert keras_acts.layers.APL(hinges=variable(3)).hinges == 3
