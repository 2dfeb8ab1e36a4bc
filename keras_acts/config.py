"""Settings of keras_acts that change how, not what, it computes.

XLA fusion: on large tensors the functions with a custom gradient run their
forward and backward passes each as one XLA-compiled kernel, called from the
ordinary TensorFlow graph or eagerly; so do learnable layers' formulas. Large
means 2^16 elements or more; in a graph, where the batch size is often unknown,
2^10 elements per sample, so that every batch size runs the same kernels.
Unfused, TensorFlow runs each op of a formula as a separate pass over memory:
elu's accurate form (``expm1``, a select) then takes 2.5-3x the time of Keras's
single, less accurate kernel. In a graph, on smaller tensors an XLA launch costs
more than it saves. Eagerly, the functions fuse at every size: their compiled
kernels are called directly, in 11-17 µs, two eager TensorFlow ops. XLA
compiles once per input shape: a call on a shape not seen before costs 20-130 ms
for a forward pass, up to 250 ms with its backward pass (sparsemax 0.25-0.36 s;
``benchmarks/NEW_SHAPES.md``). Where shapes vary from call
to call (a served model's batch sizes), fix them or turn fusion off.

Fusion is on where XLA works (checked once, on first use); turn it off with
``set_xla_fusion(False)`` or the environment variable
``KERAS_ACTS_XLA_FUSION=0``, for instance for graphs that must run where XLA is
not available (TensorFlow Lite conversion). It applies to functions traced
after the call.

``set_xla_cpu_vector_width(512)`` asks XLA:CPU for 512-bit vectors (process-wide,
before XLA first compiles): the transcendental functions' kernels run near the copy's
speed on CPUs with AVX-512 at full clock.
"""

from __future__ import annotations

import functools
import os

import tensorflow as tf

_enabled = os.environ.get("KERAS_ACTS_XLA_FUSION", "1").strip().lower() not in {"0", "false", "no", "off"}


_from_elements: int | None = None


def set_xla_fusion(enabled: bool, *, from_elements: int | None = None) -> None:
    """Turn XLA fusion of keras_acts's functions on or off.

    Args:
        enabled: whether to fuse.
        from_elements: fuse tensors of at least this many elements; ``None``
            (the default) keeps the thresholds: 2^16 elements (2^10 per
            sample in graphs), every size eagerly; ``0`` fuses every tensor.

    >>> set_xla_fusion(False); xla_fusion_enabled()
    False
    >>> set_xla_fusion(True)
    """
    global _enabled, _from_elements
    if not isinstance(enabled, bool):
        raise TypeError(f"`enabled` must be True or False, got {enabled!r}.")
    if from_elements is not None and (
            not isinstance(from_elements, int) or isinstance(from_elements, bool) or from_elements < 0):
        raise ValueError(f"`from_elements` must be None or an int >= 0, got {from_elements!r}.")
    _enabled, _from_elements = enabled, from_elements


def fusion_threshold(default: int) -> int:
    """The number of elements from which a pass is fused: ``default`` (the
    function's own) unless :func:`set_xla_fusion` set ``from_elements``."""
    return default if _from_elements is None else _from_elements


def xla_fusion_enabled() -> bool:
    """Whether functions traced now fuse their passes with XLA (on, and XLA works here)."""
    return _enabled and _xla_works()


@functools.lru_cache(maxsize=None)
def _xla_works() -> bool:
    with tf.init_scope():  # eagerly, even while a graph is being traced
        try:
            probe = tf.function(lambda t: t * 2.0 + 1.0, jit_compile=True, autograph=False)
            return float(probe(tf.constant(1.0))) == 3.0
        except Exception:  # noqa: BLE001 - any failure means no XLA on this build
            return False


_VECTOR_WIDTH_FLAG = "--xla_cpu_prefer_vector_width"
_VECTOR_WIDTHS = (128, 256, 512)


def set_xla_cpu_vector_width(bits: int) -> str:
    """Ask XLA:CPU for vectors of ``bits`` in the loops it generates, for this process.

    XLA:CPU uses 256-bit vectors by default, also on CPUs with AVX-512 (some older
    ones slow their clock for 512-bit instructions). On one with AVX-512 that does
    not, 512-bit vectors bring the transcendental functions near the speed of a copy:
    in two benchmark runs of one commit, gelu's forward pass at 2^24 elements took 1.3x
    the copy's time against 2.1x, mish 0.96x against 1.24x, serf 1.9x against 3.3x
    (``docs/performance.md``).
    The option is process-wide: it reaches every XLA program of the process, the
    user's own too, which is why keras_acts does not set it unasked.

    XLA reads its options (the ``XLA_FLAGS`` environment variable) once, when it first
    compiles: call this before anything is compiled with XLA, for instance right after
    the imports. It sets ``--xla_cpu_prefer_vector_width`` in ``XLA_FLAGS``, in place
    of one given there, keeping the other options.

    Args:
        bits: 128, 256 (XLA's default) or 512.

    Returns:
        ``XLA_FLAGS`` as set.

    Raises:
        RuntimeError: keras_acts has already compiled with XLA in this process (XLA
            would not see the change; it cannot tell about other code's compilations).
    """
    if not isinstance(bits, int) or isinstance(bits, bool):
        raise TypeError(f"`bits` must be an int, one of {_VECTOR_WIDTHS}, got {bits!r}.")
    if bits not in _VECTOR_WIDTHS:
        raise ValueError(f"`bits` must be one of {_VECTOR_WIDTHS}, got {bits}.")
    if _xla_works.cache_info().currsize:
        raise RuntimeError(
            "XLA has already compiled in this process (keras_acts's own kernels) and read its "
            "options then: call set_xla_cpu_vector_width before anything is compiled with XLA, "
            f"or start Python with XLA_FLAGS={_VECTOR_WIDTH_FLAG}={bits}.")
    kept = [flag for flag in os.environ.get("XLA_FLAGS", "").split()
            if flag.split("=", 1)[0] != _VECTOR_WIDTH_FLAG]
    os.environ["XLA_FLAGS"] = " ".join([*kept, f"{_VECTOR_WIDTH_FLAG}={bits}"])
    return os.environ["XLA_FLAGS"]
