"""Settings of keras_acts that change how, not what, it computes.

XLA fusion: inside a graph (``tf.function``, ``model.fit``, ``model.predict``)
the functions with a custom gradient run their forward and backward passes each
as one XLA-compiled kernel, called from the ordinary TensorFlow graph. Unfused,
TensorFlow runs each op of a formula as a separate pass over memory: elu's
accurate form (``expm1``, a select) then takes 2.5-3x the time of Keras's
single, less accurate kernel. XLA compiles once per input shape, in tens of
milliseconds. Eager calls never compile.

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


def set_xla_fusion(enabled: bool) -> None:
    """Turn XLA fusion of keras_acts's functions in graphs on or off.

    >>> set_xla_fusion(False); xla_fusion_enabled()
    False
    >>> set_xla_fusion(True)
    """
    global _enabled
    if not isinstance(enabled, bool):
        raise TypeError(f"`enabled` must be True or False, got {enabled!r}.")
    _enabled = enabled


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
