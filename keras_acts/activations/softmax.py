"""Functions of a whole axis: softmax and its relatives."""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from keras_acts.activations._base import (
    FUSE_FROM,
    activation,
    chunk_maxima,
    eager_compiled,
    eager_shape,
    for_gpu,
    fuse,
    gradient_from_output,
    holds_nan_on_host,
    in_xla_context,
    is_large,
    python_number,
    rank_of,
    row_sums,
    where,
    with_static_width,
)


def check_axis(x: tf.Tensor, axis: int) -> int:
    """``axis`` validated against ``x``'s rank, as a non-negative index."""
    rank = rank_of(x)
    if rank == 0:
        raise ValueError("functions along an axis (the softmax family, gated units) need an "
                         "input of rank >= 1, got a scalar.")
    axis = python_number(axis, "axis")
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"`axis` must be an int, a tuple of ints or None, got {axis!r}")
    if rank is not None and not -rank <= axis < rank:
        raise ValueError(f"`axis`={axis} is out of range for an input of rank {rank}.")
    return axis % rank if rank is not None else axis


def check_axes(x: tf.Tensor, axes) -> list[int]:
    """A tuple (or list) of axes validated against ``x``'s rank, as sorted
    non-negative indices."""
    if rank_of(x) is None:
        raise ValueError(f"`axis`={tuple(axes)!r} needs an input of known rank.")
    found = sorted(check_axis(x, a) for a in axes)
    if not found or len(set(found)) < len(found):
        raise ValueError(f"`axis` must name distinct axes, at least one, got {tuple(axes)!r}")
    return found


def _along(fn, x, axis):
    """``fn`` (which works on the last axis) applied along ``axis``; None is all axes,
    a tuple several at once (as one axis of their sizes' product, as Keras's
    ``softmax`` takes them)."""
    rank = rank_of(x)
    if axis is None:
        if rank == 0:
            check_axis(x, -1)
        return tf.reshape(fn(tf.reshape(x, [-1])), tf.shape(x))
    if isinstance(axis, (tuple, list)):
        axes = check_axes(x, axis)
        if len(axes) > 1:
            others = [a for a in range(rank) if a not in axes]
            perm = others + axes
            moved = tf.transpose(x, perm)
            shape = tf.shape(moved)
            rows = tf.concat([shape[:len(others)], [-1]], 0)
            y = tf.reshape(fn(tf.reshape(moved, rows)), shape)
            return tf.transpose(y, np.argsort(perm))
        axis = axes[0]
    axis = check_axis(x, axis)
    if rank is None:  # a graph's input of unknown rank: the last axis needs none
        if axis == -1:
            return fn(x)
        raise ValueError(f"`axis`={axis} needs an input of known rank (the default, -1, does not).")
    last = rank - 1
    if axis == last:
        return fn(x)
    perm = list(range(rank))
    perm[axis], perm[last] = last, axis
    return tf.transpose(fn(tf.transpose(x, perm)), perm)


def _apart(x, infinite_row):
    """``x`` on the rows whose max is +inf (``infinite_row``) with +inf lowered to the
    largest finite value and the finite entries capped one step below it: a single
    +inf logit then takes all the mass, its limit, instead of inf - inf = NaN, and a
    finite logit at the largest value stays apart from it (2^104 below); ``x`` on the
    other rows. It keeps order, so the max of a row of it is its max's (the largest
    finite value on those rows). The softmax family's careful forms take it."""
    top = x.dtype.as_numpy_dtype(x.dtype.max)
    big = tf.constant(top, x.dtype)
    below_big = tf.constant(np.nextafter(top, top.dtype.type(0)), x.dtype)
    return where(infinite_row, where(_is_inf(x), big, tf.minimum(x, below_big)), x)


def _is_inf(x):
    """Where ``x`` is +inf."""
    return tf.equal(x, tf.constant(float("inf"), x.dtype))


def _without_limit(x, y, finite_value, infinities):
    """``y`` where the row of ``x`` holds two or more +inf entries (``infinities``,
    their count): no limit exists for those entries (it depends on how they grow),
    NaN; every finite entry has the limit ``finite_value`` (0 probability)."""
    infinite = _is_inf(x)
    several = infinities > 1
    fixed = where(infinite, tf.constant(float("nan"), y.dtype), tf.constant(finite_value, y.dtype))
    return where(several, fixed, y)


def _any_infinity(x):
    # reduce_any of a comparison: reduce_max may return NaN when x holds one.
    return tf.reduce_any(_is_inf(x))


def _any_non_finite(x):
    return tf.logical_not(tf.reduce_all(tf.math.is_finite(x)))


def _any_nan(y):
    # one reduction of y itself: a sum holds a NaN where any entry does (y in [0, 1]
    # cannot overflow), without writing is_nan's booleans first
    return tf.math.is_nan(tf.reduce_sum(y))


def _unless(needs_care, fast, careful, name, *, on_output=False, nan_check_on_host=False):
    """``fast`` unless ``needs_care(x)`` (``on_output``: ``needs_care(fast(x))``), then
    ``careful``: on large tensors the
    common case pays one reduction for the check, not the edge cases' extra passes.
    Inside an XLA program, ``careful`` alone: XLA fuses its extra work into the
    passes it makes anyway, while a conditional splits the program (and on a GPU
    waits for the predicate to reach the host). On small tensors in a graph,
    ``careful`` alone too: there each op costs its dispatch (1-2 µs), not its
    passes over memory, and the check and the conditional cost about 18 µs.
    ``nan_check_on_host``: ``needs_care`` is whether the output holds a NaN; eagerly, on
    a tensor in host memory, NumPy checks it instead (:func:`holds_nan_on_host`), and a
    small tensor of several rows takes ``careful`` as one compiled kernel."""

    def apply(x):
        eager = tf.executing_eagerly()
        if not eager and (in_xla_context() or not is_large(x, FUSE_FROM)):
            return careful(x)
        if eager:
            shape = eager_shape(x)
            size = math.prod(shape)
        else:  # a graph's batch size may be unknown (None)
            shape, size = None, x.shape.num_elements()
        if size == 0:
            return fast(x)
        if on_output and nan_check_on_host and eager and "CPU" in x.device:
            if size < FUSE_FROM and shape[-1] < size and fuse(x, 0, eager=True):
                # TensorFlow's softmax kernel takes 25-45 µs on a small tensor of several
                # rows ([8, 128]: Keras's softmax 50-65 µs), the compiled form 13.
                return eager_compiled(careful, x)
            # 0.56 ms at 2^22, where a TensorFlow sum, is_nan and the conditional take 0.77
            y = fast(x)
            return careful(x) if holds_nan_on_host(y) else y
        if on_output:
            y = fast(x)
            return tf.cond(needs_care(y), lambda: careful(x), lambda: y)
        return tf.cond(needs_care(x), lambda: careful(x), lambda: fast(x))

    apply.__name__ = apply.__qualname__ = name  # the compiled kernels' name
    return with_static_width(apply)


# The gradients, from the output alone, outside the branch taken: 0 on the rows an
# infinite logit decides, the usual one on the others, and none of the careful
# branch's intermediates is kept for the backward pass (a tf.cond would otherwise
# keep them, as zeros when the branch is not taken: several tensors of x's size).
@with_static_width
def _softmax_gradient(dy, y):
    return y * (dy - _row_sum(dy * y))


def _log_softmax_gradient(dy, y):
    return dy - tf.exp(y) * tf.reduce_sum(dy, axis=-1, keepdims=True)


def _row_max(x):
    return tf.reduce_max(x, axis=-1, keepdims=True)


def _row_sum(x):
    return row_sums(x)[0]


def _softmax_careful(x, negated=False):
    """Softmax with its limits at +inf, in XLA's passes for the plain softmax (a max,
    the exponentials, their sum, the quotient; 1.5x faster there than reducing a
    select). On a row whose max is +inf, +inf becomes the largest finite value and the
    finite entries are capped one step below it, so each +inf entry gets exp(0) = 1
    and every finite one 0: the sum counts the +inf entries, and where there are
    several (quotient < 1) they have no limit, NaN. ``negated``: the softmax of ``-x``,
    its max the negated min of ``x``, so that XLA's reduction reads ``x`` itself (it
    writes the negation out first to reduce it: 1.3x the time)."""
    m = -tf.reduce_min(x, axis=-1, keepdims=True) if negated else _row_max(x)
    z = -x if negated else x
    infinite_row = _is_inf(m)
    e = tf.exp(_apart(z, infinite_row) - _apart(m, infinite_row))
    # TensorFlow's sum: XLA writes the exponentials once and reads them for the sum and
    # the quotient, where row_sums would compute them twice (on rows of 64 to 1024 as
    # fast or faster: 0.93x the time on rows of 1000)
    y = e / tf.reduce_sum(e, axis=-1, keepdims=True)
    return where(infinite_row & (e == 1) & (y < 1), tf.constant(float("nan"), x.dtype), y)


def _softmin_careful(x):
    return _softmax_careful(x, negated=True)


@with_static_width
def _softmin_gradient(dy, y):
    # softmax's, negated: no pass of its own for the negation
    return y * (_row_sum(dy * y) - dy)


# On large tensors TensorFlow's softmax kernel is faster than XLA's passes. The gradient,
# four TensorFlow ops (Keras's too), is one compiled kernel: its sum folded into 16 steps
# (row_sums), forward+backward takes 0.81-0.89x Keras's time where the four ops took
# 1.05-1.13x.
# On one small row eagerly, the kernel and a NaN check by NumPy on the output's buffer take
# about 8 µs, Keras's softmax 10 and the compiled careful form 15.
# The kernel's output unless it holds a NaN, then the careful form: where a row of x holds
# +inf (inf - inf) or NaN, the kernel leaves a NaN in that row (and may leave the rest of
# it finite); -inf entries it gets right. Checking y, just written, rather than x:
# tf.function forward 1.18x Keras's time -> 1.07x, eagerly 1.44x -> 1.29x.
def _softmax_kernel(logits):
    """TensorFlow's softmax kernel along the last axis. oneDNN's (TensorFlow's on x86
    CPUs) refuses more than five axes ("Input dims must be <= 5", as Keras's softmax
    fails): those go through as rows, ``[-1, n]``."""
    rank = logits.shape.rank
    if rank is None or rank <= 5:
        return tf.raw_ops.Softmax(logits=logits)
    rows = tf.reshape(logits, [-1, tf.shape(logits)[-1]])
    return tf.reshape(tf.raw_ops.Softmax(logits=rows), tf.shape(logits))


_softmax_last = gradient_from_output(_softmax_gradient, fuse_forward=False,
                                     fuse_small_backward_eagerly=True)(
    _unless(_any_nan, _softmax_kernel, _softmax_careful, "_softmax_last",
            on_output=True, nan_check_on_host=True))
_softmin_last = gradient_from_output(_softmin_gradient, fuse_forward=False,
                                     fuse_small_backward_eagerly=True)(
    _unless(_any_nan, lambda x: _softmax_kernel(tf.raw_ops.Neg(x=x)), _softmin_careful,
            "_softmin_last", on_output=True, nan_check_on_host=True))


def _log_softmax_parts(x):
    """The pieces of ``z - log1p(rest + ties)``, ``z = x - max``: the sum of the
    exponentials split into the entries at the max (``1 + ties``) and the rest, so
    that the dominant entry, whose result is small, keeps full precision (log of the
    whole sum would round it). Returns ``z``, the max, where each entry is at it,
    ``ties`` (on a row whose max is +inf: its +inf entries less one) and ``rest``
    (NaN where the row holds a NaN)."""
    m = _row_max(x)
    top = tf.equal(x, m)
    z = x - m
    rest, count = row_sums(where(top, tf.constant(0.0, x.dtype), tf.exp(z)), tf.cast(top, x.dtype))
    return z, m, top, count - 1, rest


def _log_softmax_finite(x):
    z, _, _, ties, rest = _log_softmax_parts(x)
    return z - tf.math.log1p(rest + ties)


def _log_softmax_careful(x):
    """The limits where the max is infinite, from per-row values: at a row's one +inf
    entry ``z`` is inf - inf, and 0 is its limit (all the mass); at several (or on a
    row of -inf) there is no limit (it depends on how they grow), NaN. The finite
    entries' -inf comes out of the formula. 17 ops where the limits checked entry by
    entry took 20: on a small layer in a graph each costs its dispatch."""
    z, m, top, ties, rest = _log_softmax_parts(x)
    # m - m is 0 where the max is finite, NaN where infinite; kept only where the row
    # has no limit: ties (several +inf) or -m = +inf (every entry -inf, one too)
    at_top = tf.math.multiply_no_nan(m - m, tf.maximum(ties, -m))
    return where(top, at_top, z) - tf.math.log1p(rest + ties)


_log_softmax_last = gradient_from_output(_log_softmax_gradient)(
    _unless(_any_infinity, _log_softmax_finite, _log_softmax_careful, "_log_softmax_last"))


@activation("softmax", family="softmax", reference="Bridle 1990; Keras `keras.activations.softmax`")
def softmax(x, axis=-1):
    """Softmax: ``exp(x_i - max(x)) / sum_j exp(x_j - max(x))`` along ``axis``.

    Args:
        x: input tensor of rank >= 1.
        axis: the axis that sums to 1 (a tuple: several, as one; None: the whole
            tensor).

    Returns:
        A tensor of ``x``'s shape and float dtype, non-negative, summing to 1
        along ``axis``.

    Raises:
        ValueError: ``x`` is a scalar or ``axis`` is out of range.

    Reference: Bridle (1990), "Probabilistic Interpretation of Feedforward
    Classification Network Outputs"; Keras ``keras.activations.softmax``.

    >>> softmax([1., 2., 5.]).numpy()
    array([0.01714782, 0.04661262, 0.93623954], dtype=float32)
    """
    return _along(_softmax_last, x, axis)


@activation("log_softmax", aliases=("logsoftmax",), family="softmax",
            reference="Keras `keras.activations.log_softmax`")
def log_softmax(x, axis=-1):
    """Log-softmax: ``x_i - max(x) - log(sum_j exp(x_j - max(x)))`` along ``axis``.

    Args:
        x: input tensor of rank >= 1.
        axis: the axis normalised (a tuple: several, as one; None: the whole tensor).

    Returns:
        A tensor of ``x``'s shape and float dtype, non-positive.

    Reference: Keras ``keras.activations.log_softmax``.

    >>> log_softmax([1., 2., 5.]).numpy()
    array([-4.065884 , -3.0658839, -0.0658839], dtype=float32)
    """
    return _along(_log_softmax_last, x, axis)


@activation("softmin", family="softmax", reference="PyTorch `torch.nn.Softmin`")
def softmin(x, axis=-1):
    """Softmin: ``softmax(-x)`` along ``axis``; the smallest input gets the most weight.

    Args:
        x: input tensor of rank >= 1.
        axis: the axis that sums to 1 (a tuple: several, as one; None: the whole
            tensor).

    Returns:
        A tensor of ``x``'s shape and float dtype, non-negative, summing to 1.

    Reference: PyTorch ``torch.nn.Softmin``.

    >>> softmin([1., 2., 5.]).numpy().round(6)  # the last digit is the kernel's (oneDNN's or Eigen's)
    array([0.721399, 0.265388, 0.013213], dtype=float32)
    """
    return _along(_softmin_last, x, axis)


@with_static_width
def _sparsemax_gradient(dy, y):
    """The Jacobian-vector product from the output alone: on the support ``S``
    (``y > 0``), ``dy`` minus its mean over ``S``; 0 off it (Martins & Astudillo,
    section 2.5). It is linear in ``dy`` with a slope constant in ``y`` (piecewise), so a
    second derivative takes none through ``y``: in a graph that would differentiate the
    forward pass's own ops, Newton's loop too, which inside XLA cannot be."""
    y = tf.stop_gradient(y)
    support = tf.cast(y > 0, y.dtype)
    total, size = row_sums(dy * support, support)
    mean = total / size
    return where(tf.math.is_nan(y), y, support * (dy - mean))


def _sparsemax_finite(z):
    """Sparsemax along the last axis of finite logits ``z``. Shifting by the max changes
    nothing mathematically, keeps large logits finite, and puts the largest at 0, which
    is always in the support. Inside XLA :func:`_sparsemax_threshold` finds the
    threshold without sorting: on a CPU at every size (XLA:CPU's sort is slow: on
    ``[128, 10]`` 121 µs against the loop's 86, on ``[256, 32]`` 506 against 110),
    for a GPU unless the shape says the tensor is small (a model's logits), where the
    sort stays: it has no loop, whose every step waits for the host there. Outside
    XLA (fusion off), TensorFlow's ops sort. (Inside XLA the careful form runs, and
    on large tensors it starts Newton's method closer: :func:`_chunked_sparsemax`.)"""
    if z.shape[-1] == 0:
        return z
    return _sparsemax_shifted(z - _row_max(z))


def _sparsemax_shifted(z):
    """:func:`_sparsemax_finite` of ``z`` whose max is 0."""
    newton = in_xla_context() and (not for_gpu() or is_large(z, FUSE_FROM) or not _size_known(z))
    if newton:
        return tf.nn.relu(z - _sparsemax_threshold(z)[0])
    # float32 sums the sort in float64 (in float32 the running sums of a wide support
    # were up to 15 ULP of the outputs off) and subtracts there: one rounding
    return tf.cast(tf.nn.relu(tf.cast(z, tf.float64) - _sorted_threshold(z)), z.dtype)


def _size_known(z):
    """Whether ``z``'s static shape gives its size per sample (its size if a vector)."""
    shape = z.shape
    if shape.rank is None:
        return False
    return (shape if shape.rank < 2 else shape[1:]).num_elements() is not None


def _sorted_threshold(z):
    """The threshold ``tau`` by sorting (Martins & Astudillo, Algorithm 1), in float64."""
    ordered = tf.cast(tf.sort(z, axis=-1, direction="DESCENDING"), tf.float64)  # sorts z's own dtype
    k = tf.range(1, tf.shape(z)[-1] + 1, dtype=tf.float64)
    cumulative = tf.cumsum(ordered, axis=-1)
    # At least 1 for finite rows; NaN rows (the careful form's) could count none.
    support = tf.maximum(tf.reduce_sum(tf.cast(1 + k * ordered > cumulative, tf.int32), -1, keepdims=True), 1)
    return (tf.gather(cumulative, support - 1, batch_dims=z.shape.rank - 1) - 1) / tf.cast(support, tf.float64)


def _sparsemax_threshold(z, start=None, count=None):
    """The threshold ``tau`` of ``z`` (its max 0) by Newton's method on
    ``f(t) = sum(max(z - t, 0)) - 1`` from ``t = -1``, left of the root (``tau >= -1``:
    the max's output is at most 1): ``t <- (sum of z > t, less 1) / (count of z > t)``,
    Michelot's (1986) iteration. Each step stays left of the root (a superset of the
    support gives a lower threshold), the set ``z > t`` shrinks until it is the
    support, and then ``t`` is ``tau``, from the same sum as the sorted algorithm's.
    A pass over the tensor per step, 3 to 10 steps on rows of 1024 normal or uniform
    logits of any scale, against a sort: 5-7x faster on CPU. Rounding cannot make ``t``
    go back (it is kept monotone), so the count falls at each step until it stays.
    ``start`` (a lower bound of ``tau``) and ``count`` (the count of ``z > t`` at the
    ``t`` that gave it) continue an iteration. Returns ``tau`` and the support's size.
    Never differentiated (sparsemax's gradient is its own): inside XLA, a loop that
    a tape could differentiate keeps every step's values, in lists XLA cannot size."""
    z = tf.stop_gradient(z)
    if start is None:
        rows = tf.concat([tf.shape(z)[:-1], [1]], axis=0)
        start = tf.fill(rows, tf.constant(-1, z.dtype))
        count = tf.fill(rows, tf.constant(math.inf, z.dtype))
    zero = tf.constant(0, z.dtype)

    def step(t, count, _):
        above = z > t
        total, new_count = row_sums(where(above, z, zero), tf.cast(above, z.dtype))
        return tf.maximum((total - 1) / new_count, t), new_count, tf.reduce_any(new_count < count)

    return tf.while_loop(lambda t, count, changed: changed, step, (start, count, tf.constant(True)))[:2]


_CHUNK = 16  # entries of a chunk, whose maxima start sparsemax's threshold
_UNSURE = 16  # 1 / the share of rows the start may miss for the loop to take them apart
# Where chunks pay (time against Newton's method from -1, side by side, rows of normal
# logits): on rows of 768 entries or more from 2^14 elements (rows of 1024: 0.94x on 16
# rows, 0.67-0.84x from 64 to 1024 rows, 0.49-0.63x from 2048; of 2048 or 4096: 0.79x on
# 8 rows, 0.32-0.34x at 2^20; of 768: 0.63-0.71x); on shorter rows, whose subset of
# maxima is small, they do not (rows of 256 or 512: 1.0-1.13x), nor on 1 to 8 rows of
# 1024 (1.00-1.03x).
_SHORTEST = 768
_CHUNKS_FROM = 2 ** 14


def _by_chunks(z, chunked, plain):
    """``chunked(z)`` inside XLA on a CPU, on rows of a length known, :data:`_SHORTEST`
    or more, that :data:`_CHUNK` divides, for tensors of :data:`_CHUNKS_FROM` elements
    or more; ``plain(z)`` otherwise. The size is XLA's to know: where the trace does
    not (a batch of unknown size), a conditional on it, which XLA resolves as it
    compiles."""
    width = z.shape[-1] if z.shape.rank else None
    if (width is None or width % _CHUNK or width < _SHORTEST or not in_xla_context()
            or for_gpu()):
        return plain(z)
    size = z.shape.num_elements()
    if size is not None:
        return chunked(z) if size >= _CHUNKS_FROM else plain(z)
    return tf.cond(tf.size(z) >= _CHUNKS_FROM, lambda: chunked(z), lambda: plain(z))


def _chunked_sparsemax(z):
    """:func:`_sparsemax_careful` with Newton's method started where it ends on most rows.

    The maxima of the rows' chunks of :data:`_CHUNK` are a subset of each row, whose
    threshold (Newton's method on 1/16 of the data) is a lower bound of the row's (the
    sum over any subset gives one). On a row where no more entries are above it than
    the subset has, one pass over the data shows it is the row's threshold. The rows
    where it is not (two entries of the support in one chunk: 4% of rows of 1024
    normal logits) go on from there apart, gathered, when they are few; otherwise all
    rows do. The chunks' pass also counts the NaN and +inf entries. At 2^24 as rows of
    1024: 10.8 ms against 22.9 for Newton's method from -1 on every row, which took
    6 passes (the slowest row's steps); on rows of 2048 or more, a third of the time."""
    width = z.shape[-1]
    rows = tf.reshape(z, [-1, width])
    chunk_max, chunk_nans, chunk_infinities = chunk_maxima(
        rows, _CHUNK, tf.cast(tf.math.is_nan(rows), z.dtype), tf.cast(_is_inf(rows), z.dtype))
    row_max = tf.reduce_max(chunk_max, axis=-1, keepdims=True)
    infinite_row = _is_inf(row_max)
    row_max = _apart(row_max, infinite_row)
    start, start_count = _sparsemax_threshold(_apart(chunk_max, infinite_row) - row_max)

    def shifted(x, x_max, infinite):  # computed where used: XLA would write out an operand of a branch
        return tf.stop_gradient(_apart(x, infinite) - x_max)

    shifted_rows = shifted(rows, row_max, infinite_row)
    above = shifted_rows > start
    total, count = row_sums(where(above, shifted_rows, tf.zeros_like(rows)), tf.cast(above, z.dtype))
    t = tf.maximum((total - 1) / count, start)
    unsure = tf.reshape(count != start_count, [-1])
    n_rows = tf.shape(rows)[0]
    room = tf.maximum(n_rows // _UNSURE, 1)
    n_unsure = tf.reduce_sum(tf.cast(unsure, tf.int32))

    def few():
        # the unsure rows' indices in `room` slots, the others' in one more, cut off
        slot = tf.cumsum(tf.cast(unsure, tf.int32)) - 1
        slot = where(unsure & (slot < room), slot, room)
        picked = tf.tensor_scatter_nd_update(tf.zeros([room + 1], tf.int32), slot[:, None], tf.range(n_rows))[:room]

        # gathered from one row more (of 0): XLA compiles this branch for an empty tensor
        # too, where a gather from no rows is invalid (the pad is fused with the gather)
        def gather(rows_of):
            return tf.gather(tf.pad(rows_of, [[0, 1], [0, 0]]), picked)

        again, _ = _sparsemax_threshold(shifted(gather(rows), gather(row_max), gather(infinite_row)),
                                        gather(t), gather(count))
        # slots left free (row 0's) write to the row more, cut off
        target = where(tf.range(room) < n_unsure, picked, n_rows)
        return tf.tensor_scatter_nd_update(tf.pad(t, [[0, 1], [0, 0]]), target[:, None], again)[:-1]

    def all_rows():
        return _sparsemax_threshold(shifted(rows, row_max, infinite_row), t, count)[0]

    out = tf.nn.relu(shifted_rows - tf.cond(n_unsure <= room, few, all_rows))
    out = _with_limits(rows, out, tf.reduce_sum(chunk_nans, axis=-1, keepdims=True),
                       tf.reduce_sum(chunk_infinities, axis=-1, keepdims=True))
    return tf.reshape(out, tf.shape(z))


def _with_limits(z, out, nans, infinities):
    """Sparsemax's ``out`` with no limit (NaN) at the +inf entries of rows holding
    several (0 at their finite entries), and NaN on rows holding a NaN (``nans`` and
    ``infinities``: the rows' counts)."""
    out = _without_limit(z, out, 0.0, infinities)
    return where(nans > 0, tf.constant(float("nan"), z.dtype), out)


def _sparsemax_careful(z):
    """:func:`_sparsemax_finite` with the limits at +inf (one +inf logit takes all
    the mass, several have none) and NaN rows (``sort`` puts NaN anywhere)."""
    if z.shape[-1] == 0:
        return z
    return _by_chunks(z, _chunked_sparsemax, _sparsemax_careful_rows)


def _sparsemax_careful_rows(z):
    """:func:`_sparsemax_careful` without chunks."""
    nans, infinities = row_sums(tf.cast(tf.math.is_nan(z), z.dtype), tf.cast(_is_inf(z), z.dtype))
    # the max of the logits told apart as the max told apart: XLA reads z for it, where it
    # would write the logits out for its reduction to read
    m = _row_max(z)
    infinite_row = _is_inf(m)
    out = _sparsemax_shifted(_apart(z, infinite_row) - _apart(m, infinite_row))
    return _with_limits(z, out, nans, infinities)


# The forward pass compiled at every size: Newton's loop in one XLA kernel against
# TensorFlow's sort, eagerly 10-15x faster from 8 rows of 1024 on (1 row: 36 against
# 520 µs), in a tf.function 2-3x from [128, 100], as fast on [128, 10].
_sparsemax_last = gradient_from_output(_sparsemax_gradient, fuse_small_eagerly=True,
                                       forward_fuse_from=0, record_forward=False)(
    _unless(_any_non_finite, _sparsemax_finite, _sparsemax_careful, "_sparsemax_last"))


@activation("sparsemax", family="softmax", reference="Martins & Astudillo 2016, arXiv:1602.02068")
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex.

    ``sparsemax(x)_i = max(x_i - tau(x), 0)``, with ``tau`` chosen so the
    outputs sum to 1; unlike softmax, small inputs get exactly 0. Correct
    when several outputs are non-zero and finite for large logits (Keras 3.15
    is not, keras-team/keras#23425).

    Args:
        x: input tensor of rank >= 1.
        axis: the axis that sums to 1 (a tuple: several, as one; None: the whole
            tensor).

    Returns:
        A tensor of ``x``'s shape and float dtype, non-negative, summing to 1.

    Reference: Martins & Astudillo (2016), "From Softmax to Sparsemax: A
    Sparse Model of Attention and Multi-Label Classification", arXiv:1602.02068.

    >>> sparsemax([1., 1., 1.]).numpy()
    array([0.33333334, 0.33333334, 0.33333334], dtype=float32)
    >>> sparsemax([0.5, 1.2, -1.]).numpy()
    array([0.14999998, 0.85      , 0.        ], dtype=float32)
    """
    return _along(_sparsemax_last, x, axis)
