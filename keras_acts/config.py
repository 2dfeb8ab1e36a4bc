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
compiles once per input shape, in 30-90 ms.

Fusion is on where XLA works (checked once, on first use); turn it off with
``set_xla_fusion(False)`` or the environment variable
``KERAS_ACTS_XLA_FUSION=0``, for instance for graphs that must run where XLA is
not available (TensorFlow Lite conversion). It applies to functions traced
after the call.
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
