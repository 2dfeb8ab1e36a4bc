"""keras_acts.activations.softmax: rows at the edge of the float range.

The careful form handles +inf by replacing it with the largest finite value;
these rows check that finite logits at or one step below that value are still
told apart from +inf, in every run mode (eagerly, in a graph, inside XLA).
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts.activations import _base

MODES = {
    "eager": lambda f: f,
    "graph": lambda f: tf.function(f, autograph=False),
    "xla": lambda f: tf.function(f, autograph=False, jit_compile=True),
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax_tells_the_largest_finite_logits_from_infinity(mode, dtype):
    big = np.finfo(dtype).max
    below = np.nextafter(big, dtype(0))
    inf = np.inf
    rows = np.array([[inf, big, 0], [big, below, 0], [big, big, 0], [inf, inf, big]], dtype)
    # softmax's limits: one +inf takes all; below - big is -(spacing) = about -2^104 in
    # float32, so exp of it is 0; two +inf entries have no limit (NaN), finite ones 0.
    expected = np.array([[1, 0, 0], [1, 0, 0], [0.5, 0.5, 0], [np.nan, np.nan, 0]], dtype)
    got = MODES[mode](lambda t: keras_acts.activations.softmax(t))(tf.constant(rows)).numpy()
    np.testing.assert_array_equal(got, expected)


LIMIT_ROWS = {  # the limits at [+inf, max, 0]; softmin's rows negated (softmax(-x))
    "softmax": ([1, 0, 0], 1), "log_softmax": ([0, -np.inf, -np.inf], 1),
    "sparsemax": ([1, 0, 0], 1), "softmin": ([1, 0, 0], -1),
}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LIMIT_ROWS))
def test_a_row_s_infinity_beside_the_largest_finite_logit_or_a_nan(name, mode, dtype):
    """One +inf beside the largest finite logit takes all the mass (they are 2^104 apart
    once +inf is lowered; sparsemax tied them, 0.5 each); a row holding a NaN is NaN
    throughout, also beside +inf entries (log_softmax gave its +inf entry 0, sparsemax
    the finite entries of a row of several +inf 0)."""
    expected, sign = LIMIT_ROWS[name]
    big, inf, nan = np.finfo(dtype).max, np.inf, np.nan
    rows = sign * np.array([[inf, big, 0], [inf, nan, 0], [inf, inf, nan], [nan, 0, 1]], dtype)
    got = MODES[mode](getattr(keras_acts.activations, name))(tf.constant(rows)).numpy()
    np.testing.assert_array_equal(got[0], np.array(expected, dtype))
    assert np.isnan(got[1:]).all()


def _ops(fn, shape):
    graph = tf.function(fn, autograph=False).get_concrete_function(
        tf.TensorSpec(shape, tf.float32)).graph
    return {op.type for op in graph.get_operations()}


def _one_hot(n, at, name):
    """The limit for a row whose one +inf is at ``at``: all the mass there."""
    row = np.full(n, -np.inf if name == "log_softmax" else 0.0, np.float32)
    row[at] = 0.0 if name == "log_softmax" else 1.0
    return row


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_small_tensors_in_a_graph_take_the_careful_form_without_a_check(name):
    """A check and a conditional cost about 18 µs a call in a graph: more than the
    careful form's few extra ops on a small tensor, less than its passes on a large one.
    Both ways, a row with +inf gets its limit."""
    fn = getattr(keras_acts.activations, name)
    assert not _ops(fn, [None, 32]) & {"If", "StatelessIf"}
    rows = np.zeros([2, 32], np.float32)
    rows[0, 3] = np.inf
    got = tf.function(fn, autograph=False)(tf.constant(rows)).numpy()
    expected = _one_hot(32, 3, name)
    np.testing.assert_array_equal(got[0], expected)
    keras_acts.config.set_xla_fusion(False)  # large and unfused: the check pays off
    try:
        assert _ops(fn, [None, 4096]) & {"If", "StatelessIf"}
        wide = np.zeros([2, 4096], np.float32)
        wide[0, 3] = np.inf
        got = tf.function(fn, autograph=False)(tf.constant(wide)).numpy()
    finally:
        keras_acts.config.set_xla_fusion(True)
    expected = _one_hot(4096, 3, name)
    np.testing.assert_array_equal(got[0], expected)


def test_log_softmax_on_a_small_layer_takes_its_limits_from_per_row_values():
    """On a small layer in a graph each op costs its dispatch (1-3 µs): the careful form
    gets its limits at +inf from values per row (no entrywise check against inf or NaN),
    in 17 ops; the entrywise fix-up took 20."""
    ops = [op.type for op in tf.function(keras_acts.activations.log_softmax, autograph=False)
           .get_concrete_function(tf.TensorSpec([None, 32], tf.float32)).graph.get_operations()
           if op.type not in ("Placeholder", "Const", "Identity", "IdentityN", "NoOp")]
    assert len(ops) <= 17 and not {"IsInf", "IsNan", "IsFinite"} & set(ops), ops


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_log_softmax_limits_ties_and_rows_of_one(mode, dtype):
    """Its limits: one +inf takes all the mass (0, the rest -inf); several +inf, or
    only -inf, have none (NaN; a row of one -inf too, as on the fast form and in
    Keras's kernel); tied maxima share it exactly (float64's log-sum-exp)."""
    inf, nan = np.inf, np.nan
    fn = MODES[mode](keras_acts.activations.log_softmax)
    rows = np.array([[inf, 1, -inf], [inf, inf, 0], [-inf, -inf, -inf], [1, 1, 0], [2, -3, 2]], dtype)
    got = fn(tf.constant(rows)).numpy()
    ties = rows[3:].astype(np.float64)
    exact = ties - np.log(np.exp(ties).sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(got[:3], np.array([[0, -inf, -inf], [nan, nan, -inf], [nan] * 3], dtype))
    np.testing.assert_allclose(got[3:], exact.astype(dtype), rtol=2 * np.finfo(dtype).eps)
    ones = fn(tf.constant(np.array([[-inf], [inf], [3], [nan]], dtype))).numpy()
    np.testing.assert_array_equal(ones, np.array([[nan], [0], [0], [nan]], dtype))


@pytest.mark.parametrize("shape", [(1, 1024), (8, 128), (64, 1024)])
def test_eager_softmax_gives_the_limits_whichever_way_it_runs(shape):
    """Eagerly, one small row runs TensorFlow's kernel checked on the host, several small
    rows the compiled careful form, a large tensor the kernel checked on the host: each
    gives a row with +inf its limit, a row with NaN NaN, and the others the softmax."""
    rows = np.random.default_rng(1).normal(0, 3, shape).astype(np.float32)
    rows[0, 5] = np.inf
    if shape[0] > 1:
        rows[-1, 9] = np.nan
    got = keras_acts.activations.softmax(tf.constant(rows)).numpy()
    np.testing.assert_array_equal(got[0], _one_hot(shape[1], 5, "softmax"))
    if shape[0] > 1:
        assert np.isnan(got[-1]).all()
        finite = rows[1:-1].astype(np.float64)
        exact = np.exp(finite - finite.max(axis=1, keepdims=True))
        exact /= exact.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(got[1:-1], exact, rtol=1e-5, atol=1e-30)
    clean = np.random.default_rng(2).normal(0, 3, shape).astype(np.float32)
    exact = np.exp(clean - clean.max(axis=1, keepdims=True).astype(np.float64))
    exact /= exact.sum(axis=1, keepdims=True)
    got = keras_acts.activations.softmax(tf.constant(clean)).numpy()
    np.testing.assert_allclose(got, exact, rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_large_softmax_checks_the_kernels_output(mode):
    """Large tensors run TensorFlow's kernel and look for a NaN in its output: a row
    holding +inf or NaN gets the careful form's values; -inf entries, which the kernel
    gets right (probability 0), leave it as it is."""
    n = 2 ** 14
    rows = np.random.default_rng(0).normal(size=(4, n)).astype(np.float32)
    rows[0, 5] = np.inf
    rows[1, 7] = np.nan
    rows[2, : n // 2] = -np.inf
    got = MODES[mode](lambda t: keras_acts.activations.softmax(t))(tf.constant(rows)).numpy()
    np.testing.assert_array_equal(got[0], _one_hot(n, 5, "softmax"))
    assert np.isnan(got[1]).all()
    wide = rows[2:].astype(np.float64)
    exact = np.exp(wide - wide.max(axis=1, keepdims=True))
    exact /= exact.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got[2:], exact, rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("mode", ["eager", "graph"])
@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_large_inputs_of_rank_six_and_more(name, mode):
    """oneDNN's softmax kernel refuses more than five axes (Keras's softmax fails on them):
    large tensors, which take the kernel, of rank 6 and 7, along the last axis and another."""
    fn = getattr(keras_acts.activations, name)
    for shape in ((2, 2, 2, 2, 2, 2 ** 13), (2, 1, 2, 1, 2, 2, 2 ** 13)):
        x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
        for axis in (-1, 1):
            wide = np.moveaxis(x.astype(np.float64), axis, -1) * (-1 if name == "softmin" else 1)
            z = wide - wide.max(axis=-1, keepdims=True)
            exact = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
            exact = np.moveaxis(exact if name == "log_softmax" else np.exp(exact), -1, axis)
            got = MODES[mode](lambda t, axis=axis: fn(t, axis=axis))(tf.constant(x)).numpy()
            np.testing.assert_allclose(got, exact, rtol=1e-5, atol=1e-6 if name == "log_softmax" else 1e-12)


def _sparsemax_float64(rows: np.ndarray) -> np.ndarray:
    """Sparsemax of each row in float64 NumPy by sorting (Martins & Astudillo, Algorithm 1)."""
    out = np.empty_like(rows, dtype=np.float64)
    for i, row in enumerate(rows.astype(np.float64)):
        ordered = np.sort(row)[::-1]
        k = np.arange(1, row.size + 1)
        cumulative = np.cumsum(ordered)
        support = k[1 + k * ordered > cumulative][-1]
        out[i] = np.maximum(row - (cumulative[support - 1] - 1) / support, 0)
    return out


def _sparsemax_rows(n: int = 1024) -> np.ndarray:
    """Rows on which Newton's iteration takes its most steps: logits of every scale, spread
    evenly, bunched near the max or spread away from it, ties, one row of equal entries."""
    rng = np.random.default_rng(11)
    i = np.arange(n) / n
    rows = [rng.standard_normal(n) * scale for scale in (0.01, 0.1, 0.3, 1, 2, 5, 30)]
    rows += [rng.uniform(size=n) * scale for scale in (0.01, 0.1, 1, 10)]
    rows += [-np.linspace(0, spread, n) for spread in (0.5, 1, 2, 10)]
    rows += [-i ** p for p in (0.5, 2, 3, 8)] + [-(1 - 0.99 ** np.arange(n)), np.zeros(n)]
    rows += [np.round(rng.standard_normal(n) * 4) / 4]  # many ties, also at the max
    return np.stack(rows)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [512, 1024], ids=["from_-1", "from_chunks"])
def test_sparsemax_without_sorting_matches_the_sorted_algorithm(mode, dtype, width):
    """On a large tensor sparsemax finds its threshold by Newton's iteration (no sort),
    from -1 or (rows of 768 or more) from the chunks' maxima: every row within a few
    rounding errors of the sorted algorithm in float64, the support the same except
    for entries within rounding of the threshold."""
    rows = _sparsemax_rows(width)
    x = np.tile(rows, (64 // len(rows) + 1, 1))[:64].astype(dtype)  # 2^15-2^16 elements: large
    y = MODES[mode](keras_acts.activations.sparsemax)(tf.constant(x)).numpy()
    exact = _sparsemax_float64(x)
    tolerance = 8 * np.finfo(dtype).eps
    np.testing.assert_allclose(y, exact, rtol=0, atol=tolerance)
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=0, atol=tolerance)
    assert np.all(((y > 0) == (exact > 0)) | (np.abs(exact) <= tolerance))


def _optimized_hlo(fn, x) -> str:
    compiled = tf.function(lambda t: fn(t), jit_compile=True, autograph=False)
    return compiled.experimental_get_compiler_ir(x)(stage="optimized_hlo")


def test_sparsemax_iterates_inside_xla_but_for_a_gpu_s_small_tensors():
    """For a GPU a model's small logits keep the sort (no loop, which there waits for the
    host at each step); a large tensor, or one of unknown size, takes Newton's loop, as
    every tensor does on a CPU (whose XLA sorts slowly)."""
    with _base.forms_for_gpu():
        small = _optimized_hlo(keras_acts.activations.sparsemax, tf.zeros([128, 10]))
        large = _optimized_hlo(keras_acts.activations.sparsemax, tf.zeros([64, 1024]))
    assert " sort(" in small and " while(" not in small
    assert " while(" in large and " sort(" not in large
    if not tf.config.list_physical_devices("GPU"):
        small = _optimized_hlo(keras_acts.activations.sparsemax, tf.zeros([128, 10]))
        assert " while(" in small and " sort(" not in small
    unknown = tf.function(lambda t: keras_acts.activations.sparsemax(t), jit_compile=True,
                          autograph=False)
    graph = unknown.get_concrete_function(tf.TensorSpec([None, None], tf.float32)).graph
    op_types = {op.type for op in graph.get_operations()}
    assert "While" in op_types or "StatelessWhile" in op_types
    assert not op_types & {"TopKV2", "Sort"}


def _colliding_rows(n_rows: int, width: int = 1024) -> np.ndarray:
    """Normal rows whose sparsemax start from the chunks' maxima takes two more of
    Newton's steps: ``a`` and ``a - 0.1`` share a chunk (entries ``j`` and ``j + width
    / 16``), so the chunks' threshold (of ``a``, ``a - 0.5``, ``a - 0.7``: ``a - 0.733``)
    misses one; above it the row's first step keeps ``a - 0.7`` (``a - 0.575``), the
    second drops it (``a - 0.533``, the threshold)."""
    rng = np.random.default_rng(5)
    rows = rng.standard_normal((n_rows, width)) * 2
    top = rows.max(axis=1) + 3
    for index, below in ((3, 0), (3 + width // 16, 0.1), (10, 0.5), (20, 0.7)):
        rows[:, index] = top - below
    return rows


def _chunked(monkeypatch, fn):
    """``fn`` inside a fresh XLA program, chunks from any size (traced anew: kernels
    compiled before keep their forms)."""
    # the module by name: keras_acts.activations.softmax is the function
    monkeypatch.setattr(sys.modules["keras_acts.activations.softmax"], "_CHUNKS_FROM", 0)
    return tf.function(fn, autograph=False, jit_compile=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows_apart", ["few", "all"])
def test_sparsemax_started_from_chunk_maxima_matches_the_sorted_algorithm(monkeypatch, dtype, rows_apart):
    """On large tensors inside XLA on a CPU, Newton's iteration starts from the
    threshold of each row's chunk maxima. Where that is not the row's, the rows go on
    apart when few (2 of 64; the others' maxima lead by 1.5: their support is the max,
    a chunk's), or all rows do (the hard rows and colliding ones): every row as the
    sorted algorithm's."""
    if rows_apart == "few":
        x = np.random.default_rng(6).standard_normal((64, 1024)) * 2
        x[np.arange(64), x.argmax(axis=1)] += 1.5
        x[:2] = _colliding_rows(2)
    else:
        x = np.concatenate([_colliding_rows(32), np.tile(_sparsemax_rows(), (2, 1))])[:64]
    x = x.astype(dtype)
    y = _chunked(monkeypatch, keras_acts.activations.sparsemax)(tf.constant(x)).numpy()
    exact = _sparsemax_float64(x)
    tolerance = 8 * np.finfo(dtype).eps
    np.testing.assert_allclose(y, exact, rtol=0, atol=tolerance)
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=0, atol=tolerance)


def test_sparsemax_from_chunk_maxima_keeps_the_limits(monkeypatch):
    """The chunks' pass counts NaN and +inf entries too, exactly, two +inf in one chunk
    as two: a NaN row is NaN (beside +inf entries too), one +inf takes all the mass
    (beside the largest finite logit too), several +inf have no limit (NaN), the rest
    0; a row of -inf only is 0/0 (NaN), as without chunks."""
    width = 1024
    x = _colliding_rows(10, width).astype(np.float32)
    x[0, 10] = np.nan
    x[1, 20] = np.inf
    x[2, [5, 5 + width // 16]] = np.inf  # one chunk
    x[3, [5, 6]] = np.inf  # two chunks
    x[4, 7] = np.finfo(np.float32).max  # finite, told apart from +inf
    x[5] = -np.inf
    x[6, : width // 2] = -np.inf
    x[8, [9, 9 + width // 16]] = [np.inf, np.finfo(np.float32).max]  # one chunk: apart
    x[9, [1, 2, 3]] = [np.inf, np.inf, np.nan]
    y = _chunked(monkeypatch, keras_acts.activations.sparsemax)(tf.constant(x)).numpy()
    np.testing.assert_array_equal(y[8], np.eye(width, dtype=np.float32)[9])
    assert np.isnan(y[9]).all()
    assert np.isnan(y[0]).all()
    np.testing.assert_array_equal(y[1], np.eye(width, dtype=np.float32)[20])
    for row, where in ((2, [5, 5 + width // 16]), (3, [5, 6])):
        assert np.isnan(y[row, where]).all()
        assert (np.delete(y[row], where) == 0).all()
    np.testing.assert_array_equal(y[4], np.eye(width, dtype=np.float32)[7])
    assert np.isnan(y[5]).all()
    exact = _sparsemax_float64(x[[6, 7]].astype(np.float64))
    np.testing.assert_allclose(y[[6, 7]], exact, rtol=0, atol=8 * np.finfo(np.float32).eps)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_sparsemax_of_no_rows_compiles_with_chunks(mode):
    """Where the trace does not know the batch size, XLA compiles the chunks' branch for
    an empty tensor too (the conditional on the size is resolved after): its gathers and
    scatters must be valid there."""
    y = MODES[mode](keras_acts.activations.sparsemax)(tf.zeros([0, 2048]))
    assert y.shape == (0, 2048)


def test_sparsemax_starts_from_chunk_maxima_where_that_pays():
    """On rows of 768 entries or more, from 2^14 elements (not on shorter rows, where it
    does not pay), even where the trace does not know the size: XLA resolves the
    conditional on it. Compiled, not run."""
    def chunked(shape, signature=None):
        fn = tf.function(lambda t: keras_acts.activations.sparsemax(t), jit_compile=True,
                         autograph=False, input_signature=signature)
        hlo = fn.experimental_get_compiler_ir(tf.zeros(shape))(stage="optimized_hlo")
        # its own conditional (the unsure rows apart or all rows), which XLA keeps, and
        # a loop more (on the chunks' maxima)
        assert (" conditional(" in hlo) == (hlo.count(" while(") == 3)
        return " conditional(" in hlo

    assert chunked([16, 1024]) and not chunked([8, 1024])
    assert chunked([32, 768]) and not chunked([64, 512])
    for shape, expected in (([16, 1024], True), ([8, 1024], False)):
        assert chunked(shape, [tf.TensorSpec([None, 1024])]) == expected


SECOND_REFERENCES = {  # TensorFlow's own ops, differentiated twice by TensorFlow, in float64
    "softmax": tf.nn.softmax,
    "softmin": lambda t: tf.nn.softmax(-t),
    "log_softmax": tf.nn.log_softmax,
    "sparsemax": None,  # piecewise linear: its second derivative is 0 off the kinks
}


def _gradient_penalty_gradient(fn, x, weights):
    """The gradient of ``sum(g * g)``, ``g`` the gradient of ``sum(weights * fn(x))``: a
    second derivative, as a gradient penalty takes."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            loss = tf.reduce_sum(weights * fn(x))
        g = inner.gradient(loss, x)
        penalty = tf.reduce_sum(g * g)
    return outer.gradient(penalty, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", sorted(SECOND_REFERENCES))
def test_second_derivatives_of_rows_that_inside_xla_sum_in_one_reduction(mode, name):
    """Rows of 64 entries: inside XLA, the gradients' sums are one XLA reduction
    (row_sums), which has a gradient of its own."""
    rng = np.random.default_rng(5)
    x64 = rng.normal(0, 2, (3, 64))
    weights = rng.normal(0, 1, 64)
    fn = keras_acts.get(name)
    got = MODES[mode](lambda t: _gradient_penalty_gradient(fn, t, tf.constant(weights, tf.float32)))(
        tf.constant(x64, tf.float32)).numpy()
    reference = SECOND_REFERENCES[name]
    if reference is None:
        expected = np.zeros_like(x64)
    else:
        expected = _gradient_penalty_gradient(reference, tf.constant(x64), tf.constant(weights)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("mode", ["graph", "xla"])
def test_sparsemax_with_fusion_off_sums_its_sort_exactly_enough(mode):
    """With fusion off (and inside XLA for a GPU's small logits) the threshold comes from
    sorting and running sums; in float32 those sums of a wide support were up to 4.4
    float32 steps of the row's largest logit off. Now each output is within one ULP of
    the float64 algorithm plus the one rounding of ``x - max(x)`` in float32."""
    rng = np.random.default_rng(5)
    rows = np.stack([rng.normal(size=1040) * s for s in (0.001, 0.003, 0.01, 0.03)]
                    + list(_sparsemax_rows(1040))).astype(np.float32)
    keras_acts.config.set_xla_fusion(False)
    try:
        with _base.forms_for_gpu() if mode == "xla" else contextlib.nullcontext():
            y = MODES[mode](keras_acts.activations.sparsemax)(tf.constant(rows)).numpy().astype(np.float64)
    finally:
        keras_acts.config.set_xla_fusion(True)
    exact = _sparsemax_float64(rows)
    scale = np.abs(rows).max(axis=-1, keepdims=True)
    bound = np.spacing(exact.astype(np.float32)).astype(np.float64) + np.finfo(np.float32).eps * scale
    worst = np.unravel_index(np.argmax(np.abs(y - exact) / bound), y.shape)
    assert np.all(np.abs(y - exact) <= bound), (worst, y[worst], exact[worst])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin", "sparsemax"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_several_axes_normalise_together(name, mode):
    """``axis=(1, 2)`` as Keras's ``softmax`` takes it: the axes as one, of their sizes'
    product, whichever order they are given in."""
    fn = getattr(keras_acts.activations, name)
    x = np.random.default_rng(5).normal(scale=3.0, size=(2, 3, 4, 5)).astype(np.float32)
    moved = np.transpose(x, (0, 3, 1, 2)).reshape(2, 5, 12)
    expected = np.transpose(fn(moved).numpy().reshape(2, 5, 3, 4), (0, 2, 3, 1))
    run = MODES[mode]
    for axis in ((1, 2), [2, 1], (-3, -2)):
        got = run(lambda t, axis=axis: fn(t, axis=axis))(tf.constant(x)).numpy()
        np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-7)
    if name == "softmax":
        e = np.exp(x.astype(np.float64) - x.max(axis=(1, 2), keepdims=True))
        np.testing.assert_allclose(expected, e / e.sum(axis=(1, 2), keepdims=True), rtol=2e-6)


def test_several_axes_checked_and_in_strings():
    x = tf.zeros((2, 3, 4))
    for axis, error in (((1, 1), ValueError), ((), ValueError), ((1, 3), ValueError),
                        ((1, 2.0), TypeError)):
        with pytest.raises(error, match="`axis`"):
            keras_acts.activations.softmax(x, axis=axis)
    configured = keras_acts.get("softmax(axis=(1, 2))")
    np.testing.assert_allclose(configured(x).numpy(), np.full((2, 3, 4), 1 / 12), rtol=1e-6)


@pytest.mark.parametrize("jit", [False, True], ids=["graph", "xla"])
@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax", "sparsemax"])
def test_an_input_of_unknown_rank_takes_the_default_last_axis(name, jit):
    # a graph traced for any rank (TensorSpec(None)) failed with an internal TypeError;
    # the last axis needs no rank, as tf.nn.softmax takes it
    fn = keras_acts.get(name)
    x = tf.random.stateless_normal([3, 5], seed=[5, 6])
    any_rank = [tf.TensorSpec(None, tf.float32)]

    def forward_backward(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        return y, tape.gradient(y, t, output_gradients=y * y)

    got = tf.function(forward_backward, input_signature=any_rank, jit_compile=jit, autograph=False)(x)
    for g, e in zip(got, forward_backward(x)):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="`axis`=0 needs an input of known rank"):
        tf.function(lambda t: fn(t, axis=0), input_signature=any_rank, autograph=False)(x)
