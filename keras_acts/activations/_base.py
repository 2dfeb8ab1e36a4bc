"""What every activation function shares: input handling and declaration.

:func:`activation` wraps a formula written for float tensors into the public
function: it accepts Python numbers, lists, numpy arrays, tensors and
``keras.Input`` tensors, gives integer input the default float type, computes
float16 and bfloat16 in float32 and rounds once, and declares the function in
the registry. The formula itself stays one to five lines of TensorFlow ops.

:func:`differentiable` (and its forms :func:`gradient_from_output`,
:func:`gradient_from_input`, :func:`with_derivative`) gives a formula its own
gradient, computed from the output or the input alone, and runs both passes as
XLA kernels on large tensors (:func:`fuse`, :mod:`keras_acts.config`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import math
import threading
from typing import Any, Callable

import keras
import numpy as np
import tensorflow as tf

from keras_acts import config as _config
from keras_acts import registry

# dtype checks as set lookups: DType's == costs about a microsecond, a lot beside one
# small tensor's op (TensorFlow's DTypes are interned, so lookups hit on identity).
_HALF = frozenset({tf.float16, tf.bfloat16})
_FLOATS = frozenset({tf.float16, tf.bfloat16, tf.float32, tf.float64})
_FLOAT64 = frozenset({tf.float64})
_F32, _F64 = tf.float32, tf.float64  # identity first: x.dtype is an interned DType, hashing it costs

try:  # TensorFlow's own check, private: whether any GradientTape is recording now
    from tensorflow.python.eager.record import could_possibly_record as _tape_is_recording
except ImportError:  # pragma: no cover - a TensorFlow that moved it: always record
    def _tape_is_recording() -> bool:
        return True


try:  # TensorFlow's tape, private: what tf.custom_gradient records eagerly, without its Python
    from tensorflow.python.eager.record import record_operation as _record_operation
    from tensorflow.python.eager.record import stop_recording as _stop_recording
    from tensorflow.python.eager.record import record_operation_forwardprop_only as _record_forwardprop
except ImportError:  # pragma: no cover - a TensorFlow that moved them: tf.custom_gradient
    _record_operation = _record_forwardprop = None
    _stop_recording = contextlib.nullcontext


try:  # TensorFlow's XLA op, private: values XLA may not merge with computations before it
    from tensorflow.compiler.tf2xla.python.xla import optimization_barrier as _xla_optimization_barrier
except ImportError:  # pragma: no cover - a TensorFlow that moved it: no barrier
    def _xla_optimization_barrier(*tensors):
        return tensors


@tf.custom_gradient
def _xla_barrier(*tensors):
    """XLA's optimization barrier, with the identity's gradient (TensorFlow has none
    for it: a second derivative inside XLA would fail)."""
    return list(_xla_optimization_barrier(*tensors)), lambda *upstream: list(upstream)


try:  # TensorFlow's XLA op, private: one XLA reduction of several tensors
    from tensorflow.compiler.tf2xla.python.xla import variadic_reduce as _xla_variadic_reduce
except ImportError:  # pragma: no cover - a TensorFlow that moved it: TensorFlow's sums
    _xla_variadic_reduce = None


try:  # TensorFlow's AutoGraph, private: mark a function as graph code it must not rewrite
    from tensorflow.python.autograph.impl.api import autograph_artifact as graph_code
except ImportError:  # pragma: no cover - a TensorFlow that moved it: AutoGraph converts (slower)
    def graph_code(fn):
        return fn


try:  # TensorFlow's own check, private: whether the graph being traced is XLA-compiled
    from tensorflow.python.ops.control_flow_util import GraphOrParentsInXlaContext as _in_xla
except ImportError:  # pragma: no cover - a TensorFlow that moved it: assume not
    def _in_xla(graph) -> bool:
        return False


try:  # TensorFlow's EagerTensor._numpy, private: the tensor's own buffer (numpy() copies it)
    from tensorflow.python.framework.ops import EagerTensor as _EagerTensor

    _host_array = _EagerTensor._numpy
except (ImportError, AttributeError):  # pragma: no cover - a TensorFlow that moved it
    def _host_array(y):
        return y.numpy()


def holds_nan_on_host(y: tf.Tensor) -> bool:
    """Whether the eager tensor ``y``, in host memory, holds a NaN: NumPy's dot product of
    its own buffer with itself is NaN exactly where an entry is (an infinity or an
    overflow gives inf, not NaN). Under a microsecond on ``[1, 1024]``, where a
    TensorFlow sum, ``is_nan`` and a conditional take about 10 µs; on large tensors
    one read of memory."""
    a = _host_array(y)
    square = np.vdot(a, a)
    return square != square


def in_xla_context() -> bool:
    """Whether ops created now will be compiled by XLA (``jit_compile=True``)."""
    return not tf.executing_eagerly() and _in_xla(tf.compat.v1.get_default_graph())


# Per thread (a backward pass traced for second derivatives sets it while another thread may
# trace its own): unset, the forms follow whether this machine has a GPU.
_FORMS = threading.local()


@contextlib.contextmanager
def forms_for_gpu():
    """Within (in this thread), formulas trace the XLA forms meant for a GPU, which hold
    no conditional and sum with TensorFlow's reductions, whatever this machine has:
    ``benchmarks/xla_gpu.py`` exports programs for one, and a backward pass traced for
    second derivatives takes them (:func:`differentiable`)."""
    previous, _FORMS.for_gpu = _forced_forms(), True
    try:
        yield
    finally:
        _FORMS.for_gpu = previous


def for_gpu() -> bool:
    """Whether XLA forms are traced for a GPU: this machine has one, or within
    :func:`forms_for_gpu`."""
    forced = _forced_forms()
    return _has_gpu() if forced is None else forced


def _forced_forms() -> bool | None:
    return getattr(_FORMS, "for_gpu", None)


@functools.cache
def _has_gpu() -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


_STEPS = 16  # row_sums folds a row of n into [k, n / k], k at most this many
_LANES = 16  # ... and n / k at least this many
_VECTOR = 8  # float32 entries in one of the vectors XLA:CPU's loops use (256 bits)


def row_sums(*tensors: tf.Tensor) -> list[tf.Tensor]:
    """The sums of float tensors of one shape along their last axis (kept, of size 1).

    Inside XLA on a CPU, ``tf.reduce_sum`` becomes a library kernel (YNNPACK's) that
    reads its input from memory, so XLA first writes a computed input out: a pass to
    write it and one to read it, per sum. Here the sums are one XLA reduction with an
    output each, which XLA's own loop runs with the tensors' formulas inside it,
    reading only what they are computed from. A row of ``n`` is folded into
    ``[k, n / k]`` (:func:`_fold`: ``k`` 16 on rows that 128 divides, fewer on others
    and on rows under 256) and reduced over its first axis: LLVM unrolls those ``k``
    steps and vectorizes the loop along the other, ``n / k`` sums at once; then
    ``tf.reduce_sum`` adds the ``n / k`` partial sums (at most a sixteenth of the
    data). The loop's trip count is what matters: folded into ``[n / 32, 32]``, 32
    steps on rows of 1024 and 128 on rows of 4096, the loop was vectorized only for
    the smallest formulas (at 2^24 as rows of 1024, sparsemax's gradient sums 10 ms,
    log_softmax's two sums in one reduction 25 ms; now 5.7 and 4.2, the copy 3.6), on
    rows of 4096 for none (an exponential's sum 20 ms, now 3.8); on rows of 32 to 128
    the fold is 1.5-3x faster than ``tf.reduce_sum``. A single sum takes a second
    operand of zeros: XLA gives any reduction of one tensor to the library kernel.
    Elsewhere, ``tf.reduce_sum`` each: outside XLA, with a GPU (whose XLA fuses
    reductions itself), and on rows of unknown length or of one that no fold fits
    (odd, or under 32).
    """
    width = tensors[0].shape[-1] if tensors[0].shape.rank else None
    if _xla_variadic_reduce is None or _fold(width) is None or not in_xla_context() or for_gpu():
        return [tf.reduce_sum(t, axis=-1, keepdims=True) for t in tensors]
    return list(_folded_sums(*tensors))


def _fold(width: int | None) -> int | None:
    """The steps ``k`` of :func:`row_sums`'s loop on rows of ``width``: at most
    :data:`_STEPS`, as many as divide the row into columns of :data:`_LANES` or more
    whose count a vector's divides, else into any columns of as many (they end in
    scalar code); None if none do."""
    if not width:
        return None
    for lanes in (_VECTOR, 1):
        for steps in range(_STEPS, 1, -1):
            if width % (steps * lanes) == 0 and width // steps >= _LANES:
                return steps
    return None


@tf.custom_gradient
def _folded_sums(*tensors):
    """:func:`row_sums` inside XLA, with the sums' gradient (a second derivative of the
    functions whose gradients sum: TensorFlow has none for the XLA op)."""
    dtype, width = tensors[0].dtype, tensors[0].shape[-1]
    operands = list(tensors) if len(tensors) > 1 else [tensors[0], tf.zeros_like(tensors[0])]
    steps = _fold(width)
    folded = [tf.reshape(t, [-1, steps, width // steps]) for t in operands]
    zero = tf.constant(0, dtype)
    partial = _xla_variadic_reduce(folded, [zero] * len(folded), [1], _reducer(dtype, ("add",) * len(folded)))
    leading = tensors[0].shape[:-1]
    rows = leading + [1] if leading.is_fully_defined() else tf.concat([tf.shape(tensors[0])[:-1], [1]], 0)
    sums = [tf.reshape(tf.reduce_sum(p, axis=-1), rows) for p in partial[:len(tensors)]]

    def gradient(*upstream):
        return [tf.zeros_like(t) if u is None else tf.broadcast_to(u, tf.shape(t))
                for u, t in zip(upstream, tensors)]

    return sums, gradient


@functools.cache
def _reducer(dtype: tf.DType, combines: tuple[str, ...]):
    """An XLA reduction's reducer: running values, then as many terms, each pair
    combined by its ``combines`` entry (``"add"`` or ``"max"``)."""
    scalar = tf.TensorSpec([], dtype)
    ops = {"add": tf.add, "max": tf.maximum}
    count = len(combines)

    def reduce(*values):
        return tuple(ops[c](a, b) for c, a, b in zip(combines, values[:count], values[count:]))

    return tf.function(reduce, autograph=False).get_concrete_function(*[scalar] * (2 * count))


def batch_sums(t: tf.Tensor) -> tf.Tensor:
    """The sum of ``t`` over its first axis (a weight's gradient from a batch).

    Inside XLA on a CPU, one XLA reduction of the first axis folded into steps of
    :data:`_STEPS` rows, vectorized along the others (:func:`row_sums` says why), and
    ``tf.reduce_sum`` of the partial sums (a sixteenth of the data) and of the rows
    the fold leaves over: XLA then computes ``t`` inside its loop, where its own
    reduction writes ``t`` out first (the PReLU layer's backward pass at 2^22 and
    2^24: 0.84-0.85x the time). Elsewhere ``tf.reduce_sum``."""
    if (_xla_variadic_reduce is None or t.shape.rank is None or t.shape.rank < 2
            or not t.shape[1:].is_fully_defined() or not in_xla_context() or for_gpu()):
        return tf.reduce_sum(t, axis=0)
    return _folded_batch_sums(t)


@tf.custom_gradient
def _folded_batch_sums(t):
    rows = tf.shape(t)[0]
    whole = rows - rows % _STEPS  # known when XLA compiles: the slices' sizes are static there
    folded = tf.reshape(t[:whole], [-1, _STEPS, *t.shape[1:]])
    zero = tf.constant(0, t.dtype)
    partial = _xla_variadic_reduce([folded, tf.zeros_like(folded)], [zero, zero], [1],
                                   _reducer(t.dtype, ("add", "add")))[0]
    total = tf.reduce_sum(partial, axis=0) + tf.reduce_sum(t[whole:], axis=0)
    return total, lambda upstream: tf.broadcast_to(upstream, tf.shape(t))


def chunk_maxima(x: tf.Tensor, size: int, *counted: tf.Tensor) -> list[tf.Tensor]:
    """The maxima of chunks of ``x``'s rows (its last axis, of a length ``n`` that
    ``size`` divides): chunk ``j`` holds entries ``j, j + n / size, ...``, ``size`` of
    them; shape ``[rows, n / size]``. Then the chunks' sums of each ``counted`` tensor
    (``x``'s shape). Inside XLA, one reduction of them all over a middle axis, which
    XLA's loop vectorizes along the last, in one pass over memory (sparsemax's NaN and
    +inf counts at 2^24 as rows of 1024: 0.1-0.5 ms on top of the maxima's 1.5, where a
    pass of their own took 3; the maxima alone, reduced by ``tf.reduce_max``, XLA
    rewrote into a max of the rows, and recomputed where they were used: 1.3 ms more).
    Not differentiable (sparsemax's start)."""
    width = x.shape[-1]
    folded = [tf.reshape(tf.stop_gradient(t), [-1, size, width // size]) for t in (x, *counted)]
    if _xla_variadic_reduce is None or not in_xla_context():  # a TensorFlow that moved it, or no XLA
        return [tf.reduce_max(folded[0], axis=1)] + [tf.reduce_sum(t, axis=1) for t in folded[1:]]
    inits = [tf.constant(-math.inf, x.dtype)] + [tf.constant(0, x.dtype)] * len(counted)
    reducer = _reducer(x.dtype, ("max",) + ("add",) * len(counted))
    return list(_xla_variadic_reduce(folded, inits, [1], reducer))


_PLAIN = frozenset({float, int, bool, str, type(None)})


def python_number(value: Any, argument: str | None = None) -> Any:
    """A NumPy scalar (``np.float32(0.5)``), a 0-d array or an eager 0-d tensor
    holding a number, as the Python number it holds, as Keras takes them; anything
    else as it is (checks then say what is wrong).

    Raises:
        TypeError: ``value`` is a floating-point variable. Options are constants of the
            formula: its gradient would be lost (Keras's functions differentiate it); a
            learned parameter belongs in a layer. Integer variables give their value.
    """
    if type(value) in _PLAIN:
        return value
    if isinstance(value, (tf.Variable, keras.Variable)):
        if not tf.as_dtype(value.dtype).is_floating:  # an integer or bool: nothing to differentiate
            return python_number(tf.convert_to_tensor(value), argument)
        what = f"`{argument}` must be a number" if argument else "options must be numbers"
        raise TypeError(
            f"{what}, got a variable ({getattr(value, 'name', '')!s}): options are "
            "constants of the formula, so its gradient would be lost. For a "
            "learned parameter use a layer (keras_acts.layers: PReLU, PELU, Swish, ... or "
            "a subclass of keras_acts.layers.ParametricActivation).")
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, tf.Tensor) and value.shape.rank == 0 and (
            value.dtype.is_floating or value.dtype.is_integer or value.dtype == tf.bool):
        try:
            return value.numpy().item()
        except (AttributeError, NotImplementedError, TypeError, ValueError):
            return value  # a symbolic tensor: the checks say it is not a number
    return value


def python_numbers(values: tuple, arguments: tuple = ()) -> tuple:
    """:func:`python_number` of each value (``arguments``: their names, for messages)."""
    if all(type(v) in _PLAIN for v in values):  # the common call: Python numbers as given
        return values
    return tuple(python_number(v, a) for v, a in itertools.zip_longest(values, arguments[:len(values)]))


_CONDITIONS = {
    "positive": lambda v: v > 0,
    "non-negative": lambda v: v >= 0,
    "non-zero": lambda v: v != 0,
}


def real_number(value: Any, argument: str, condition: str | None = None, *,
                allow_nan: bool = False) -> float:
    """An option's value as a float, or an error that names the option.

    Args:
        value: the value passed (NumPy scalars are taken as the numbers they hold).
        argument: the option's name, for the message.
        condition: ``None``, ``"positive"``, ``"non-negative"`` or ``"non-zero"``.
        allow_nan: take NaN (a replacement value, as in ``threshold``).

    Raises:
        TypeError: ``value`` is not a real number; a bool (``alpha=True``) counts
            as a slip, not as 1.
        ValueError: ``value`` is NaN or fails ``condition``.
    """
    if type(value) is float:  # the common case, in 0.2 us
        if value == value and (condition is None or _CONDITIONS[condition](value)):
            return value
    value = python_number(value, argument)
    what = f"a {condition} number" if condition else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"`{argument}` must be {what}, got {type(value).__name__}: {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int past float64's range
        raise ValueError(f"`{argument}` must be {what} within float64's range, got {value!r}") from None
    if (number != number and not allow_nan) or (condition and not _CONDITIONS[condition](number)):
        raise ValueError(f"`{argument}` must be {what}, got {value!r}")
    return number


def boolean(value: Any, argument: str) -> bool:
    """An option's value as a bool (``np.bool_``, 0 and 1 too), or a TypeError naming it."""
    value = python_number(value, argument)
    if isinstance(value, bool) or (type(value) is int and value in (0, 1)):
        return bool(value)
    raise TypeError(f"`{argument}` must be True or False, got {type(value).__name__}: {value!r}")


def integer(value: Any, argument: str, at_least: int | None = None) -> int:
    """An argument's value as an int (NumPy integers too), or an error naming it:
    a TypeError for anything else (a float, a bool, a string), a ValueError below
    ``at_least``."""
    value = python_number(value, argument)
    if type(value) is not int:
        raise TypeError(f"`{argument}` must be an int, got {type(value).__name__}: {value!r}")
    if at_least is not None and value < at_least:
        raise ValueError(f"`{argument}` must be at least {at_least}, got {value}")
    return value


def as_float_tensor(x: Any, argument: str = "x") -> tf.Tensor:
    """``x`` as a real floating-point tensor (integers become ``floatx()``)."""
    if not isinstance(x, tf.Tensor):  # variables too: read them once, return tensors
        try:
            x = tf.convert_to_tensor(x)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"`{argument}` must be a tensor, array or number, got {type(x).__name__}: {error}"
            ) from None
    dtype = x.dtype
    if dtype in _FLOATS:
        return x
    if dtype.is_integer or dtype == tf.bool:
        return tf.cast(x, keras.config.floatx())
    raise TypeError(f"`{argument}` must hold real numbers, got a tensor of dtype {dtype.name}.")


def is_float64(x: tf.Tensor) -> bool:
    """Whether ``x`` is float64 (the other float dtypes reach formulas as float32)."""
    dtype = x.dtype
    return dtype is _F64 or (dtype is not _F32 and dtype in _FLOAT64)


def as_float64(x: tf.Tensor) -> tf.Tensor:
    """``x`` in float64, for formulas whose float32 rounding would be amplified
    (gates whose argument scales ``x``, cancelling differences)."""
    return x if x.dtype in _FLOAT64 else tf.cast(x, tf.float64)


_EXPM1_SPLIT = -0.5
# Taylor coefficients 1/k!, k = 1..9: on [-0.5, 0] the remainder is below 3e-10 relative.
_EXPM1_TAYLOR = tuple(1.0 / math.factorial(k) for k in range(1, 10))


@tf.custom_gradient
def sqrt_nonnegative(y: tf.Tensor) -> tf.Tensor:
    """``sqrt(y)`` for ``y >= 0``, with the derivative 0 where ``y`` is 0, not infinite.

    Slopes computed as a square root of the output (squared_relu's ``2 sqrt(y)``) are
    then differentiable once more where the output is 0: there ``y``'s own slope is 0,
    and an infinite derivative times 0 would make the second derivative NaN.
    """
    root = tf.sqrt(y)
    return root, lambda upstream: tf.math.divide_no_nan(upstream * tf.constant(0.5, y.dtype), root)


def expm1_nonpositive(x: tf.Tensor) -> tf.Tensor:
    """``expm1(x) = exp(x) - 1`` for ``x <= 0`` (for ``x > 0``, a finite value of no meaning).

    Inside XLA, float32 takes ``exp(x) - 1`` below -0.5, where nothing cancels
    (within 2 ULP), and a Taylor polynomial of degree 9 from -0.5 to 0: one
    exponential and a few multiply-adds, about 20% faster than XLA's own expm1.
    Elsewhere TensorFlow's ``expm1``, one kernel.
    """
    if is_float64(x) or not in_xla_context():
        return tf.math.expm1(x)
    near = tf.maximum(x, constant(_EXPM1_SPLIT, x))
    series = polynomial(_EXPM1_TAYLOR, near) * near
    return where(x < constant(_EXPM1_SPLIT, x), tf.math.exp(x) - 1, series)


# log1p(e) / e on [0, 1] as a polynomial of degree 9 (tools/fit_log1p.py), fitted in float64
# to 5e-9 relative; evaluated in float32 (its rounding dominates), e P(e) is within 1.8 ULP
# where 2 atanh(e / (2 + e)) reached 3.3, and with no division 8% faster inside XLA.
_LOG1P_OVER_E = (0.9999999945431187, -0.4999989089855922, 0.3332966549178481,
                 -0.24951167191546073, 0.19661017875879697, -0.15263273655365864,
                 0.10532950614331198, -0.056269525835300246, 0.019487686094540005,
                 -0.0031639993596618288)


def softplus_kernel(x: tf.Tensor) -> tf.Tensor:
    """``softplus(x) = log(1 + exp(x))``, as one kernel.

    Inside XLA, float32 takes ``max(x, 0) + log1p(e)``, ``e = exp(-|x|)``, with
    ``log1p(e) = e P(e)``, ``P`` a polynomial of degree 9 fitted to ``log1p(e) / e`` on
    [0, 1]: one exponential and nine multiply-adds, no division; within 1.8 ULP, faster
    than XLA's softplus and than TensorFlow's kernel (which is 7 ULP off near -14, where
    it takes ``exp(x)`` for ``log1p(exp(x))``). Elsewhere TensorFlow's softplus kernel.
    """
    if not in_xla_context() or is_float64(x):
        return tf.raw_ops.Softplus(features=x)
    return softplus_of_exp(x, tf.math.exp(-tf.abs(x)))


def softplus_of_exp(x: tf.Tensor, e: tf.Tensor) -> tf.Tensor:
    """:func:`softplus_kernel`'s float32 form from ``e = exp(-|x|)``, for formulas that
    need ``e`` too (``sigmoid(x)`` is ``1 / (1 + e)`` or ``e / (1 + e)``)."""
    return tf.nn.relu(x) + _log1p_of_exp(e)


def log_sigmoid_kernel(x: tf.Tensor) -> tf.Tensor:
    """``log(sigmoid(x)) = -softplus(-x)``: inside XLA, float32's
    ``min(x, 0) - log1p(exp(-|x|))`` of :func:`softplus_kernel`. Not a negation of
    softplus there: with its gradient in one XLA program, XLA:CPU then rebuilt the
    output in the backward pass from the exponential and the quotient, which it kept
    (a training step's buffers: 2.4x relu's, not 0.6x). Elsewhere TensorFlow's kernel."""
    if not in_xla_context() or is_float64(x):
        return tf.raw_ops.Neg(x=tf.raw_ops.Softplus(features=tf.raw_ops.Neg(x=x)))
    return tf.minimum(x, constant(0.0, x)) - _log1p_of_exp(tf.math.exp(-tf.abs(x)))


def _log1p_of_exp(e: tf.Tensor) -> tf.Tensor:
    """float32 ``log1p(e)`` for ``e`` in [0, 1]: ``e P(e)``, a fitted polynomial."""
    return e * polynomial(_LOG1P_OVER_E, e)


def polynomial(coefficients, t: tf.Tensor) -> tf.Tensor:
    """``sum_k coefficients[k] t^k`` by Horner's rule, the coefficients (Python numbers,
    lowest first) in ``t``'s dtype."""
    result = constant(coefficients[-1], t)
    for c in coefficients[-2::-1]:
        result = result * t + constant(c, t)
    return result


def where(condition: tf.Tensor, a, b) -> tf.Tensor:
    """``tf.where(condition, a, b)``, on small tensors in a graph at about half the cost.

    ``tf.where`` is TensorFlow's ``SelectV2``, which broadcasts. Where ``a`` and ``b`` are
    tensors of ``condition``'s static shape, outside XLA, this is the older ``Select``
    kernel instead (eagerly, for tensors of one shape), the same values without
    broadcasting: on a ``[None, 32]`` layer in a graph, a select and its comparison take
    3.3 µs, not 6.9 (float64: 4.5, not 8.7; ``python -m benchmarks.small_graph``). A
    scalar branch keeps ``tf.where`` (filling it to the shape costs as much as
    broadcasting it saves), and so does XLA, where both are the same program.
    """
    if isinstance(a, tf.Tensor) and isinstance(b, tf.Tensor):
        if tf.executing_eagerly():  # the tensors' own shapes, without building TensorShapes
            same = eager_shape(condition) == eager_shape(a) == eager_shape(b)
        else:
            same = not _in_xla(tf.compat.v1.get_default_graph()) and _one_static_shape(condition, a, b)
        if same:
            return tf.raw_ops.Select(condition=condition, x=a, y=b)
    return tf.where(condition, a, b)


def _one_static_shape(*tensors: tf.Tensor) -> bool:
    """Whether the tensors have one shape of known rank and at least one axis, the same
    size (or both unknown, as a batch axis) on every axis."""
    shapes = [t.shape for t in tensors]
    if shapes[0].rank is None or shapes[0].rank == 0:
        return False
    return all(s.rank == shapes[0].rank and s.as_list() == shapes[0].as_list() for s in shapes[1:])


def constant(value: float, x: tf.Tensor) -> tf.Tensor:
    """``value`` rounded once to ``x``'s dtype (constants must not round through
    float32: an eager ``tf.constant`` of a half type does, rounding twice, so half
    types take NumPy's rounding, a number of the dtype that converts exactly).

    Also the way to give ``tf.where`` a constant branch: a ``zeros_like(x)`` of
    a static shape is folded by Grappler into a constant tensor of that shape,
    one per layer, held for the whole training step.
    """
    dtype = x.dtype
    if dtype is tf.float16 or dtype is tf.bfloat16:
        value = float(_in_dtype(value, dtype))
    return tf.constant(value, dtype=dtype)


@functools.lru_cache(maxsize=256)
def _in_dtype(value: float, dtype: tf.DType) -> np.ndarray:
    """``value`` rounded once to ``dtype`` (NumPy rounds correctly; an eager
    ``tf.constant`` of a half type rounds through float32, twice)."""
    with np.errstate(over="ignore"):  # past the dtype's range: inf, as TensorFlow rounds
        return np.asarray(value, dtype.as_numpy_dtype)


def rounded(value: float, x: tf.Tensor) -> float:
    """``value`` rounded once to ``x``'s dtype, as a Python float."""
    return float(_in_dtype(value, x.dtype))


def at_or_below(value: float, x: tf.Tensor) -> tf.Tensor:
    """The largest number of ``x``'s dtype at or below ``value``, as a constant.

    For a number ``x`` of that dtype, ``x <= value`` as real numbers is exactly
    ``x <= at_or_below(value, x)`` (and ``x > value`` is ``x > ...``): thresholds
    compare as given, where ``constant`` would round them first (``x <= 0.1`` in
    float32 would hold at ``x = 0.1f``, which is 0.10000000149).
    """
    # a Python float, which TensorFlow's scalar cache takes (a NumPy value: 20 us more
    # eagerly); it is a number of the dtype, so converting it rounds nothing
    return tf.constant(_at_or_below(value, x.dtype), dtype=x.dtype)


@functools.lru_cache(maxsize=256)
def _at_or_below(value: float, dtype: tf.DType) -> float:
    below = _in_dtype(value, dtype)
    if float(below) > value:
        below = np.nextafter(below, _in_dtype(-np.inf, dtype))
    return float(below)


def negative_part_minus(x: tf.Tensor, value: float) -> tf.Tensor:
    """``min(x - value, 0)`` rounded once, for a Python number ``value``: see
    :func:`positive_part_minus`."""
    return _part_minus(x, value, tf.minimum)


def positive_part_minus(x: tf.Tensor, value: float) -> tf.Tensor:
    """``max(x - value, 0)`` rounded once, for a Python number ``value``.

    Near ``value`` the difference is small, and ``x - constant`` would be off by the
    rounding of ``value`` to ``x``'s dtype (17x float16's tolerance for a threshold of
    0.1, and 0 where the answer is not). A value the dtype holds (0.5, 1.0; every
    float64) costs a subtraction and the max. Any other is split, ``hi + lo = value``:
    ``max(x - hi, lo) - lo``, where ``x - hi`` is exact near ``value`` (``(x - hi) - lo``
    would do too, but TensorFlow's graph optimizer and XLA fold its two constants back
    into one). Half types subtract in float32, which holds ``value`` closely enough.
    """
    return _part_minus(x, value, tf.maximum)


def _part_minus(x: tf.Tensor, value: float, part) -> tf.Tensor:
    hi = rounded(value, x)
    if hi == value:
        return part(x - constant(value, x), constant(0.0, x))
    if x.dtype in _HALF:
        wide = tf.cast(x, tf.float32)
        return tf.cast(part(wide - tf.constant(value, tf.float32), tf.constant(0.0, tf.float32)), x.dtype)
    lo = tf.constant(rounded(value - hi, x), dtype=x.dtype)
    return part(x - tf.constant(hi, dtype=x.dtype), lo) - lo


def _kept(keep: str, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, ...]:
    return {"output": (y,), "input": (x,), "both": (x, y)}[keep]


def _compiled(fn: Callable, options: tuple, tensors: tuple) -> Callable:
    """``fn(*tensors, *options)`` as one XLA-compiled function, shared by every call
    with the same function, options, dtypes and ranks (XLA compiles once per shape),
    row lengths where ``fn`` asks for them (:func:`with_static_width`), and forms (for a
    GPU or not: :func:`forms_for_gpu`)."""
    key = (fn, options, tuple((t.dtype, t.shape.rank, _width(fn, t)) for t in tensors), _forced_forms())
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _traced(fn, options, tensors, jit_compile=True)
        _COMPILED[key] = compiled
    return compiled


def _traced(fn: Callable, options: tuple, tensors: tuple, jit_compile: bool) -> Callable:
    specs = [tf.TensorSpec(_traced_shape(fn, t), t.dtype) for t in tensors]
    traced = tf.function(lambda *args: fn(*args, *options), input_signature=specs,
                         jit_compile=jit_compile, autograph=False)
    # TensorFlow counts traces by the Python code traced, this one lambda for every kernel:
    # tracing a few kernels in a row (a tape of a tape over several functions) warned of
    # "excessive retracing". Each is traced once per signature; TensorFlow's private flag.
    if hasattr(traced, "_omit_frequent_tracing_warning"):
        traced._omit_frequent_tracing_warning = True
    return traced


_COMPILED: dict = {}


def with_static_width(fn: Callable) -> Callable:
    """Mark ``fn`` so that its compiled kernels are traced knowing the length of their
    inputs' last axis, once per length: :func:`row_sums` folds rows by it."""
    fn.keras_acts_static_width = True
    return fn


def _traced_shape(fn: Callable, t) -> list | None:
    """Any shape of ``t``'s rank, with its row length where ``fn`` asks for it."""
    rank = t.shape.rank
    if rank is None:
        return None
    return [None] * (rank - 1) + [_width(fn, t)] if rank else []


def _width(fn: Callable, t) -> int | None:
    """The last axis's length in ``fn``'s traced signature: None (any) unless ``fn``
    asks for it (:func:`with_static_width`)."""
    if not _asks_width(fn) or not t.shape.rank:
        return None
    return t.shape[-1]


def _asks_width(fn: Callable) -> bool:
    return getattr(fn, "keras_acts_static_width", False)


try:  # TensorFlow's function internals, private: a traced graph called without tf.function's dispatch
    from tensorflow.python.eager.polymorphic_function.atomic_function import AtomicFunction as _Atomic
except ImportError:  # pragma: no cover - a TensorFlow that moved it: tf.function's own call
    _Atomic = None


def _direct(fn: Callable, options: tuple, tensors: tuple) -> Callable:
    """:func:`_compiled`'s function for eager calls: its traced graph run as one
    eager op, about 10 µs (one TensorFlow op costs 5-10 µs eagerly), not through
    tf.function's ~100 µs of Python dispatch. It records nothing on a tape (the
    caller's custom gradient does), and returns the output tensor. Where ``fn`` is
    one TensorFlow kernel outside XLA, ``fn`` itself on small tensors (:func:`_small_as_itself`)."""
    key = (fn, options, _eager_signature(tensors), _eager_widths(fn, tensors))
    direct = _DIRECT.get(key)
    if direct is None:
        direct = _direct_call(_compiled(fn, options, tensors).get_concrete_function())
        if _kernels(_traced(fn, options, tensors, jit_compile=False).get_concrete_function().graph) <= 1:
            direct = _small_as_itself(direct, fn, options)
        _DIRECT[key] = direct
    return direct


def eager_compiled(fn: Callable, x: tf.Tensor) -> tf.Tensor:
    """``fn(x)`` as one XLA kernel called eagerly (:func:`_direct`), compiled once per
    dtype, rank and shape; records nothing on a tape."""
    return _direct(fn, (), (x,))(x)


# An eager tensor's dtype, rank and shape from the tensor itself (TensorFlow's private
# EagerTensor._datatype_enum, _rank, _num_elements and _shape_tuple, 0.2-0.3 µs): its
# TensorShape, built on first access, costs 1.5 µs on a tensor fresh from another op, as
# every layer's output is, and a DType is slower to hash than its number.
def _eager_signature(tensors: tuple) -> tuple:
    try:
        return tuple([(t._datatype_enum(), t._rank()) for t in tensors])
    except AttributeError:  # pragma: no cover - a TensorFlow that moved them, or another tensor type
        return tuple([(t.dtype, t.shape.rank) for t in tensors])


def _eager_widths(fn: Callable, tensors: tuple) -> tuple | None:
    if not _asks_width(fn):
        return None
    return tuple(eager_shape(t)[-1:] for t in tensors)


def _eager_size(t: tf.Tensor) -> int:
    try:
        return t._num_elements()
    except AttributeError:  # pragma: no cover - as above
        return math.prod(t.shape.as_list())


def eager_shape(t: tf.Tensor) -> tuple:
    """An eager tensor's shape as a tuple of ints, without building its TensorShape."""
    try:
        return t._shape_tuple()
    except AttributeError:  # pragma: no cover - as above
        return tuple(t.shape.as_list())


def rank_of(x: tf.Tensor) -> int | None:
    """``x.shape.rank`` (None where unknown in a graph), for an eager tensor without
    building its TensorShape."""
    try:
        rank = x._rank()
    except AttributeError:  # pragma: no cover - as above
        return x.shape.rank
    return None if rank < 0 else rank


def _small_as_itself(compiled: Callable, fn: Callable, options: tuple) -> Callable:
    """``compiled``, but ``fn`` itself on tensors under :data:`FUSE_FROM` elements, for a
    pass that is one TensorFlow kernel outside XLA: 5 µs eagerly, a compiled call 10
    (EluGrad; softplus's forward pass, which inside XLA is a faster formula on large tensors)."""
    def call(*tensors):
        if not is_large(tensors[0], FUSE_FROM, eager=True):
            return fn(*tensors, *options)
        return compiled(*tensors)

    return call


_NOT_KERNELS = frozenset({"Placeholder", "Const", "Identity", "IdentityN", "NoOp"})


def _kernels(graph) -> int:
    """How many ops of ``graph`` compute something (not inputs, constants, identities)."""
    return sum(op.type not in _NOT_KERNELS for op in graph.get_operations())


def _direct_call(concrete) -> Callable:
    """``concrete`` run as one eager op: what AtomicFunction.call_flat runs in the end,
    without its three context managers (3-4 µs); the op is never recorded on a tape.
    A TensorFlow whose private internals moved gets ``concrete`` itself (slower)."""
    atomic = getattr(concrete, "_inference_function", None)
    context = getattr(atomic, "_bound_context", None)
    if not isinstance(_Atomic, type) or not isinstance(atomic, _Atomic) \
            or not hasattr(context, "call_function") or concrete.captured_inputs:
        return concrete  # pragma: no cover - a TensorFlow whose internals changed
    name, outputs = atomic.name, len(atomic.function_type.flat_outputs)

    def call_function(*args):
        return context.call_function(name, list(args), outputs)[0]

    return call_function


_DIRECT: dict = {}


# Fusing pays from about this many elements on (measured on CPU: an XLA launch costs
# tens of µs, a small tensor's whole TensorFlow pass less; formulas with
# transcendental functions gain from ~2^15, piecewise-linear ones from ~2^19).
FUSE_FROM = 2 ** 16
# In graphs, the batch size is often unknown when tracing (model.fit, model.predict,
# exported signatures) and must not decide: there a tensor is fused when one sample
# (all axes but the first) holds at least threshold / ASSUMED_BATCH elements, so
# every batch size, and every traced copy of a model, runs the same kernels.
ASSUMED_BATCH = 64


def fuse(x: tf.Tensor, threshold: int | None, eager: bool | None = None) -> bool:
    """Whether a pass on ``x`` runs as one XLA kernel: fusion is on, the code is not
    already inside an XLA program, and ``x`` is large enough (eagerly, its size;
    in a graph, its size per sample times ``ASSUMED_BATCH``); never where
    ``threshold`` is None. ``eager``: ``tf.executing_eagerly()``, if the caller knows."""
    if threshold is None or not _config.xla_fusion_enabled():
        return False
    if eager is None:
        eager = tf.executing_eagerly()
    if not eager and _in_xla(tf.compat.v1.get_default_graph()):
        return False
    threshold = _config.fusion_threshold(threshold)
    if threshold == 0:  # every tensor (small eager calls take this way: no size needed)
        return True
    return is_large(x, threshold, eager)


def is_large(x: tf.Tensor, threshold: int, eager: bool | None = None) -> bool:
    """Whether ``x`` holds ``threshold`` elements or more: eagerly, its size; in a
    graph, its size per sample times ``ASSUMED_BATCH``; False where unknown."""
    if eager is None:
        eager = tf.executing_eagerly()
    if eager:
        return _eager_size(x) >= threshold
    shape = x.shape
    if shape.rank is None or shape.rank < 2:
        size = shape.num_elements()
    else:
        per_sample = shape[1:].num_elements()
        size = None if per_sample is None else per_sample * ASSUMED_BATCH
    return size is not None and size >= threshold


def differentiable(forward: Callable, backward: Callable, keep: str, *,
                   fuse_forward: bool = True, fuse_backward: bool = True,
                   fuse_from: int | None = FUSE_FROM,
                   fuse_small_eagerly: bool | None = None,
                   fuse_small_backward_eagerly: bool | None = None,
                   forward_fuse_from: int | None = None,
                   record_forward: bool = True) -> Callable:
    """``forward(x, *options)`` with the gradient ``backward(dy, *kept, *options)``.

    ``keep`` names the tensors the backward pass reads, and so the training step
    keeps: ``"output"`` (``y``, which the next layer keeps anyway), ``"input"``
    (``x``, for functions whose output does not determine their slope) or
    ``"both"``. ``options`` are Python numbers, not differentiated.

    On tensors of ``fuse_from`` elements or more (see :func:`fuse`), the forward
    and the backward pass each run as one XLA-compiled kernel
    (:mod:`keras_acts.config`): TensorFlow alone runs every op of a formula as its
    own pass over memory. ``fuse_forward=False`` or ``fuse_backward=False`` keep a pass that
    is already one TensorFlow kernel out of XLA, where XLA's code is slower
    (``tf.nn.leaky_relu``, ``tf.nn.softmax``).

    Eagerly, tensors of any size fuse where ``fuse_small_eagerly`` says so
    (default: ``fuse_forward``): a compiled kernel called eagerly costs 11-17 µs,
    about two TensorFlow ops (5-10 µs each), so on small tensors it is slower
    only than a forward pass of one op. ``fuse_small_backward_eagerly`` (default:
    as the forward pass) decides it for the backward pass alone: a forward pass of
    one kernel may have a backward pass of several. Like any XLA kernel it compiles once per
    shape, in 20-130 ms a pass (sparsemax's loop about 0.3 s: ``benchmarks/NEW_SHAPES.md``); the
    result for a shape never depends on what ran before.
    ``forward_fuse_from`` (default: ``fuse_from``) is the forward pass's own
    threshold, 0 for a formula that XLA runs faster at every size (sparsemax's loop
    against a sort).

    ``record_forward=False`` (for a ``backward`` that takes no derivative through ``y``,
    whose slope is piecewise constant in it: sparsemax's) keeps the forward ops off any
    outer tape or forward accumulator in a graph too, as eagerly: there a persistent
    or nested tape would rebuild a compiled forward loop to return its intermediates,
    which XLA cannot size, and a forward accumulator would differentiate the forward ops
    instead of ``backward``.

    Eagerly, with no tape recording, only ``forward`` runs. Under a tape, the call
    is one operation on it with ``backward`` as its gradient, recorded directly
    (``tf.custom_gradient`` spends about 100 µs of Python a call eagerly, many times
    a small tensor's forward pass). Eagerly, on small tensors, a pass that is one
    TensorFlow kernel outside XLA runs as that kernel (:func:`_direct`). In graphs,
    unfused, the backward ops wait for the upstream gradient; without
    that, TensorFlow's dataflow runs the part that depends on ``x`` alone
    (``exp(-y)`` of ``dy * (1 - exp(-y))``) during the forward pass and keeps
    its result until the backward pass.
    """

    small_forward = fuse_from is not None and (
        fuse_forward if fuse_small_eagerly is None else fuse_small_eagerly)
    small_backward = small_forward if fuse_small_backward_eagerly is None else (
        fuse_from is not None and fuse_small_backward_eagerly)
    op_name = getattr(forward, "__name__", "keras_acts_activation")  # the tape's name for a call
    forward_from = fuse_from if forward_fuse_from is None else forward_fuse_from

    def compiles(x, eager, fused_when_large, small_eager, threshold=fuse_from):
        """Whether a pass on ``x`` runs as a compiled kernel."""
        if eager and small_eager:
            return fuse(x, 0, eager) and (fused_when_large or not fuse(x, threshold, eager))
        return fused_when_large and fuse(x, threshold, eager)

    def forward_compiles(x, eager):
        return compiles(x, eager, fuse_forward, small_forward, forward_from)

    def call(x, *options):
        eager = tf.executing_eagerly()
        if eager and not _tape_is_recording():  # the common eager call first: no closures
            if forward_compiles(x, True):
                return _direct(forward, options, (x,))(x)
            return forward(x, *options)

        def run(fn, compiled, *tensors, direct=False):
            if compiled:
                return (_direct if direct else _compiled)(fn, options, tensors)(*tensors)
            return fn(*tensors, *options)

        def run_backward(dy, *tensors, compiled):
            if not _tape_is_recording():
                return run(backward, compiled, dy, *tensors, direct=tf.executing_eagerly())
            # Recorded: a tape of a tape (second derivatives) or a forward accumulator. In the
            # forms traced for a GPU, which hold no conditional: TensorFlow's gradient of one
            # inside XLA fails. As TensorFlow's ops, not a compiled kernel: a kernel first
            # called under a forward accumulator kept a variant whose later second derivatives
            # lost its custom gradients (squared_relu's sqrt: NaN where its output is 0).
            with forms_for_gpu():
                return run(backward, False, dy, *tensors)

        if eager and _record_operation is not None:
            # One entry on the tape, as tf.custom_gradient makes eagerly, without its
            # ~100 µs of Python (a variable watcher, nests, an inspected signature, an
            # identity op): a small layer's eager training step took 2-2.6x Keras's time.
            # The forward ops themselves are not recorded (nor their tensors kept).
            with _stop_recording():
                y = run(forward, forward_compiles(x, True), x, direct=True)
                if y is x:  # the tape needs an output of its own
                    y = tf.identity(x)
            kept, backward_compiles = _kept(keep, x, y), compiles(x, True, fuse_backward, small_backward)

            def eager_gradient(dy):
                # In a graph where tape.jacobian's pfor traces it, a function call.
                return [run_backward(dy, *kept, compiled=backward_compiles)]

            _record_operation(op_name, [y], [x], eager_gradient)
            return y

        @tf.custom_gradient
        def differentiate(t):
            # Eagerly, a tape recording tf.function's call of the compiled forward would
            # run it as a variant that also returns every intermediate for a gradient of
            # its own (elu: 28 outputs, 10x the time); the direct call records nothing.
            if record_forward:
                y = run(forward, forward_compiles(t, eager), t, direct=eager)
            else:
                with _stop_recording():
                    y = run(forward, forward_compiles(t, eager), t, direct=eager)
                if _record_forwardprop is not None:
                    # a forward accumulator's tangent of y from ``backward``, transposed (as
                    # eagerly): it reads the custom gradient's own op as an identity of y
                    _record_forwardprop(op_name, [y], [t], lambda dy: [run_backward(
                        dy, *_kept(keep, t, y), compiled=False)], None)
            # The gradient's closure holds only what the backward pass reads: eagerly, a
            # tape keeps whatever it holds (x too, before, for a gradient from y alone).
            kept, backward_compiles = _kept(keep, t, y), compiles(t, eager, fuse_backward, small_backward)

            def gradient(dy):
                tensors = kept
                if keep != "output" and in_xla_context():
                    # Inside one XLA program, control dependencies are gone and XLA would
                    # merge the backward formula's terms in x with the forward's equal ones,
                    # keeping them for the backward pass (gelu: 1.6x relu's memory, not 1.0x).
                    # Gradients from y take no barrier, which would not stop XLA rebuilding
                    # y from kept intermediates either (its fusion runs after the barrier is
                    # gone): such a forward is written so that it does not (log_sigmoid_kernel).
                    dy, *tensors = _xla_barrier(dy, *tensors)
                with tf.control_dependencies([dy]):
                    return run_backward(dy, *tensors, compiled=backward_compiles)

            return y, gradient

        return differentiate(x)

    return functools.wraps(forward)(call)


def gradient_from_output(backward: Callable, **fuse) -> Callable[[Callable], Callable]:
    """Give ``forward(x, *options)`` the gradient ``backward(dy, y, *options)``,
    computed from the output alone, which the next layer keeps anyway."""
    return lambda forward: differentiable(forward, backward, "output", **fuse)


def gradient_from_input(backward: Callable, **fuse) -> Callable[[Callable], Callable]:
    """Give ``forward(x, *options)`` the gradient ``backward(dy, x, *options)``,
    computed in the backward pass from ``x`` alone."""
    return lambda forward: differentiable(forward, backward, "input", **fuse)


def gradient_from_input_and_output(backward: Callable, **fuse) -> Callable[[Callable], Callable]:
    """Give ``forward(x, *options)`` the gradient ``backward(dy, x, y, *options)``."""
    return lambda forward: differentiable(forward, backward, "both", **fuse)


def with_derivative(derivative: Callable, **fuse) -> Callable[[Callable], Callable]:
    """Give ``forward(x, *options)`` the gradient ``dy * derivative(x, *options)``.

    The derivative is computed in the backward pass from ``x`` alone: a training
    step keeps ``x`` and none of the forward formula's intermediates, and the
    derivative can be computed in ``x``'s dtype where the value needs float64.
    """
    return gradient_from_input(lambda dy, x, *options: dy * derivative(x, *options), **fuse)


def activation(
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    reference: str = "",
    family: str = "",
    upcast_half: bool = True,
) -> Callable[[Callable], Callable]:
    """Declare a keras_acts activation from its formula.

    Args:
        name: canonical name, also the public function's ``__name__``.
        aliases: further names.
        reference: paper or library the definition comes from.
        family: the module grouping.
        upcast_half: compute float16/bfloat16 in float32 and round once. Off
            only for formulas exact in any dtype (piecewise linear ones).
    """

    def decorator(formula: Callable) -> Callable:
        signature = inspect.signature(formula)
        options = tuple(signature.parameters)[1:]  # their names, for messages

        @functools.wraps(formula)
        def fn(x, *args, **kwargs):
            if args or kwargs:
                args = python_numbers(args, options)
                kwargs = {k: python_number(v, k) for k, v in kwargs.items()}
                if isinstance(x, tf.Tensor) and x.dtype is _F32 and not _beyond(_F32, args, kwargs):
                    return formula(x, *args, **kwargs)
                if isinstance(x, tf.RaggedTensor):
                    return _ragged_call(fn, family, signature, x, args, kwargs)
                if not isinstance(x, keras.KerasTensor):
                    return _with_options(formula, upcast_half, as_float_tensor(x), args, kwargs)
            if isinstance(x, tf.Tensor) and x.dtype is _F32:  # the common call, in 0.15 us
                return formula(x, *args, **kwargs)
            if isinstance(x, keras.KerasTensor):
                return _symbolic_call(fn, signature, x, args, kwargs)
            if isinstance(x, tf.RaggedTensor):
                return _ragged_call(fn, family, signature, x, args, kwargs)
            x = as_float_tensor(x)
            if upcast_half and x.dtype in _HALF:
                return tf.cast(formula(tf.cast(x, tf.float32), *args, **kwargs), x.dtype)
            return formula(x, *args, **kwargs)

        fn.__name__ = name
        fn.__qualname__ = name
        # Called inside a tf.function (autograph=True, as model.fit traces), AutoGraph
        # would rewrite this function and everything it calls, which are TensorFlow ops
        # with no control flow on tensors: tracing takes 18x longer, for nothing.
        graph_code(fn)
        return registry.declare(name, aliases=aliases, reference=reference, family=family)(fn)

    return decorator


# Each float dtype's smallest normal number (CPUs flush what lies below it to 0).
SMALLEST_NORMAL = {tf.float16: 2.0 ** -14, tf.bfloat16: 2.0 ** -126,
                   tf.float32: 2.0 ** -126, tf.float64: 2.0 ** -1022}
# The range of each dtype a formula computes in, and the next wider one.
_RANGE = {dtype: (SMALLEST_NORMAL[dtype], float(dtype.max))
          for dtype in (tf.float16, tf.bfloat16, tf.float32)}
_NEXT_WIDER = {tf.float16: tf.float32, tf.bfloat16: tf.float32, tf.float32: tf.float64}


def _beyond(dtype: tf.DType, args: tuple, kwargs: dict) -> bool:
    """Whether a finite float option lies past ``dtype``'s range: above its largest
    number (it would round to inf: ``leaky_relu(x, 1e39)`` gave NaN at 0 in float32, and
    ``silu(x, beta=1e39)`` everywhere) or, not 0, below its smallest normal one."""
    low, high = _RANGE[dtype]
    for values in (args, kwargs.values()):
        for v in values:
            if type(v) is float and not low <= abs(v) <= high and v != 0 and math.isfinite(v):
                return True
            if type(v) is int and abs(v) > high:  # (ints are never below the range)
                return True
    return False


def _with_options(formula, upcast_half, x, args, kwargs):
    """``formula(x, *args, **kwargs)`` in the dtype that holds the options: x's (float32
    for half types where ``upcast_half``), or the next wider type where an option lies
    past its range, the result rounded once to x's dtype."""
    compute = tf.float32 if upcast_half and x.dtype in _HALF else x.dtype
    while compute in _NEXT_WIDER and _beyond(compute, args, kwargs):
        compute = _NEXT_WIDER[compute]
    if compute == x.dtype:
        return formula(x, *args, **kwargs)
    return tf.cast(formula(tf.cast(x, compute), *args, **kwargs), x.dtype)


# What fills the gaps of a ragged last axis for the functions along it: entries that
# take no mass (softmin's smallest input takes the most).
_RAGGED_PADDING = {"softmin": float("inf")}


def _ragged_call(fn, family, signature, x, args, kwargs):
    """``fn`` on a ``tf.RaggedTensor``, as Keras's functions take one (TensorFlow's ops
    dispatch on it): elementwise functions on its flat values; functions along an axis
    on the flat values for a uniform inner axis, and along a ragged last axis on the
    rows padded with entries that take no mass, each row cut back to its length."""
    if family not in ("softmax", "gated"):
        return x.with_flat_values(fn(x.flat_values, *args, **kwargs))
    bound = signature.bind(x, *args, **kwargs)
    bound.apply_defaults()
    options = {k: v for k, v in bound.arguments.items() if k != "x"}
    axis, rank, ragged = options.get("axis"), x.shape.rank, x.ragged_rank
    if type(axis) is int and -rank <= axis < rank and axis % rank > ragged:
        return x.with_flat_values(fn(x.flat_values, **{**options, "axis": axis % rank - ragged}))
    if family == "softmax" and type(axis) is int and axis % rank == rank - 1 == ragged:
        x = x.with_flat_values(as_float_tensor(x.flat_values))  # integers give floatx()
        padding = _RAGGED_PADDING.get(fn.__name__, float("-inf"))
        y = fn(x.to_tensor(default_value=tf.constant(padding, x.dtype)), **{**options, "axis": -1})
        # x's own row partition (a uniform row length keeps its static size)
        return x.with_flat_values(tf.RaggedTensor.from_tensor(y, lengths=x.nested_row_lengths()).flat_values)
    takes = "the last axis, or an axis" if family == "softmax" else "an axis"
    raise ValueError(f"{fn.__name__} of a RaggedTensor (ragged axes 1 to {ragged} of {rank}) takes "
                     f"{takes} after the ragged ones; got `axis`={axis!r}.")


def _symbolic_call(fn, signature, x, args, kwargs):
    """Apply ``fn`` to a ``keras.Input`` tensor through a serializable layer."""
    from keras_acts.layers import Activation  # layers import activations, not the reverse

    if args or kwargs:
        bound = signature.bind(x, *args, **kwargs)
        options = {k: v for k, v in bound.arguments.items() if k != "x"}
        return Activation(registry.configured(fn, **options))(x)
    return Activation(fn)(x)
