"""Speed and memory of keras_acts's activations against Keras's built-ins and the copy floor.

Run it as ``keras-acts bench`` or, from the repository root, ``python -m
benchmarks.bench`` (14 to 25 minutes on two CPU cores; progress on stderr)::

    keras-acts bench                                # everything, writes benchmarks/RESULTS.md
    keras-acts bench --quick                        # a smoke run on tiny inputs (seconds)
    keras-acts bench --names gelu,mish --sizes 2^22 --stages kernels

What it measures (see ``METHOD`` below for the text written into the report):

* kernels: every name of ``keras_acts.list_activations()`` on float32 inputs of
  each size (shape ``[N / 1024, 1024]``; axis-wise functions work on the last
  axis and the gated ones split it), in three modes (eager, ``tf.function``,
  ``tf.function(jit_compile=True)``), forward and forward+backward (the
  gradient w.r.t. the input under a ``tf.GradientTape`` inside the measured
  function, with a random upstream gradient). Each time is a ratio to Keras's
  function of the same name and to the copy ``y = x * s`` (``s`` a runtime
  scalar) in the same mode and direction, measured side by side: paired,
  alternating repeats, a ratio per repeat, the median of the ratios. A cell
  that reads slower than Keras is checked for running Keras's own program
  (``same_program``: the same graph, HLO or eager ops); there the ratio is noise.
* small: one eager call on a ``[1, 1024]`` tensor, as a ratio to Keras: alone, under a
  ``tf.GradientTape`` with its gradient (a training loop without tf.function), and after
  a small matrix product (a layer's eager step).
* memory: the CPU allocator's peak during one training step of a 20-layer
  ``Dense(1024)`` stack (batch 1024, Adam) with each activation, as a ratio
  to the same stack with Keras's ``relu``.
* training: steps per second of the credit-default model of
  ``keras_acts.demo`` (its compiled training step, as ``model.fit`` runs it),
  keras_acts's function against Keras's function of the same name, in
  alternating blocks of steps.
* prelu: ``keras_acts.layers.PReLU`` against ``keras.layers.PReLU``.

The module depends only on keras_acts, Keras, TensorFlow, NumPy and the
standard library; ``main(argv)`` is its command line and ``add_arguments`` /
``run_from_args`` serve the ``keras-acts bench`` verb.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import glob
import hashlib
import json
import os
import platform
import re
import statistics
import sys
import time
from typing import Any, Callable, Sequence

# The memory stage reads the CPU allocator's peak, which TensorFlow's default CPU allocator
# keeps only when oneDNN is on (by default only on CPUs with AVX-512); its BFC allocator
# keeps it on any CPU. Read when TensorFlow first allocates, so set before anything runs.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_acts  # noqa: E402
from keras_acts import _keras_hook, registry  # noqa: E402

MODES = ("eager", "function", "xla")
MODE_TITLES = {"eager": "eager", "function": "tf.function", "xla": "XLA"}
DIRECTIONS = ("forward", "backward")  # "backward" is forward + backward
STAGES = ("small", "kernels", "prelu", "memory", "training")
DEFAULT_OUTPUT = os.path.join("benchmarks", "RESULTS.md")
ROW = 1024  # the last dimension of every kernel input
BATCH_SIZE = 128  # the credit-default demo's batch size

# The targets. Ratios of times are "lower is better" except training (steps/s).
TARGETS = {
    "keras": 1.0,  # never slower than Keras's built-in of the same name
    "forward_copy": 1.5,  # forward, better of tf.function and XLA, over the copy
    "forward_copy_axis": 2.0,  # the same for the softmax family
    "backward_copy": 2.0,  # forward+backward in tf.function over the copy's
    "backward_copy_axis": 3.0,
    "memory": 1.1,  # training-step peak over relu's
    "training": 0.98,  # steps/s over Keras's
    "prelu_copy": 1.5,  # PReLU forward in tf.function over the copy
}
# A miss of the Keras target this close to 1.0, or with a lower quartile of
# the per-pair ratios at or below 1.0, is reported as marginal (within noise).
MARGINAL = 1.05
GATED_TRAINING = ("gated: halves the width of the Dense layer it follows, which the demo's "
                  "Sequential model cannot take (Keras's own glu neither)")
CONTROL = "(control: relu / relu)"  # the training stage's same-function pair
AXIS_FAMILY = "softmax"  # softmax, log_softmax, softmin, sparsemax: the relaxed copy targets


@dataclasses.dataclass
class Config:
    """What one run measures and how many repeats it takes."""

    sizes: tuple[int, ...] = (2**22, 2**24)
    names: tuple[str, ...] = ()  # empty: every keras_acts name
    stages: tuple[str, ...] = STAGES
    modes: tuple[str, ...] = MODES
    warmup_calls: int = 2  # calls before timing (the first traces and compiles)
    min_rounds: int = 3  # paired repeats per cell, at least ...
    max_rounds: int = 11  # ... and at most (sizes below 2^24) ...
    max_rounds_large: int = 7  # ... and at most from 2^24 elements
    cell_budget_s: float = 1.5  # fewer rounds (down to min_rounds) past this many seconds
    # A cell whose ratio to Keras is unsettled after those rounds (its quartiles on both
    # sides of 1.0) goes on, up to these many rounds in all, within this many more seconds.
    settle_rounds: int = 41
    settle_rounds_large: int = 21
    settle_budget_s: float = 3.0
    small_rounds: int = 15
    small_calls: int = 50  # calls per timed block on the [1, 1024] tensor
    memory_layers: int = 20
    memory_width: int = 1024
    memory_batch: int = 1024
    memory_steps: int = 1  # measured training steps per model; the largest peak counts
    memory_keras: bool = True  # also measure Keras's function of the same name
    training_rounds: int = 150  # alternating blocks of steps, keras_acts against Keras
    training_rounds_baseline: int = 30  # against relu, for names Keras lacks
    training_block: int = 20  # training steps per timed block
    training_rows: int = 0  # 0: the whole training split (rounded down to whole batches)
    seed: int = 0
    quick: bool = False


QUICK = dict(
    sizes=(2**12,), warmup_calls=1, min_rounds=1, max_rounds=2, max_rounds_large=2, cell_budget_s=0.0,
    settle_rounds=3, settle_rounds_large=3, settle_budget_s=0.0,
    small_rounds=2, small_calls=2, memory_layers=2, memory_width=256, memory_batch=256,
    memory_steps=1, training_rounds=1, training_rounds_baseline=1, training_block=1,
    training_rows=2 * BATCH_SIZE,
    quick=True,
)


# ----------------------------------------------------------------------------- helpers

_START = time.perf_counter()


def log(message: str) -> None:
    """One progress line on stderr, with the seconds since the module was loaded."""
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)


def parse_size(text: str) -> int:
    """An element count: ``"2^22"``, ``"2**22"`` or ``"4194304"``; a multiple of 1024.

    >>> parse_size("2^22"), parse_size("2**12"), parse_size("8192")
    (4194304, 4096, 8192)
    """
    text = text.strip()
    for sep in ("^", "**"):
        if sep in text:
            base, exponent = text.split(sep, 1)
            value = int(base) ** int(exponent)
            break
    else:
        value = int(text)
    if value < ROW or value % ROW:
        raise ValueError(f"a size must be a positive multiple of {ROW}, got {text!r}")
    return value


def format_size(n: int) -> str:
    """``2^k`` for powers of two, else the number.

    >>> format_size(2**24), format_size(3072)
    ('2^24', '3072')
    """
    k = n.bit_length() - 1
    return f"2^{k}" if n == 1 << k else str(n)


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> dict:
    """The median and quartiles of the pairwise ratios ``numerators[i] / denominators[i]``.

    >>> median_ratio([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])["median"]
    3.0
    """
    ratios = sorted(a / b for a, b in zip(numerators, denominators))
    if not ratios:
        return {"median": None, "q1": None, "q3": None, "n": 0}
    if len(ratios) == 1:
        q1 = q3 = ratios[0]
    else:
        q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    return {"median": statistics.median(ratios), "q1": q1, "q3": q3, "n": len(ratios)}


def _timed(fn: Callable, *args) -> float:
    start = time.perf_counter()
    out = fn(*args)
    elapsed = time.perf_counter() - start
    del out  # freed outside the timed interval
    return elapsed


def paired_times(
    runners: dict[str, Callable],
    args: tuple,
    min_rounds: int,
    max_rounds: int,
    budget_s: float,
    calls: int = 1,
    warmup_calls: int = 2,
    settled: Callable[[dict[str, list[float]]], bool] | None = None,
    settle_rounds: int = 0,
    settle_budget_s: float = 0.0,
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Seconds per call of each runner, in rounds that alternate their order.

    Each runner is called ``warmup_calls`` times first (tracing, compilation,
    caches; once if that call took over a second); a runner that raises is
    dropped and its error returned. Then ``rounds`` rounds call every runner ``calls`` times,
    in the given order in even rounds and reversed in odd ones, so that each
    round gives one paired sample of every runner. ``rounds`` is the number
    that fits in ``budget_s``, clamped to ``[min_rounds, max_rounds]``. Where
    ``settled(times)`` is then false, rounds go on, one at a time, until it is true,
    ``settle_rounds`` rounds are done in all, or ``settle_budget_s`` more seconds
    have passed: every round counts, those before and after.
    """
    errors: dict[str, str] = {}
    estimate = 0.0
    live: dict[str, Callable] = {}
    for key, fn in runners.items():
        try:
            first = _timed(fn, *args)
            for _ in range(warmup_calls - 1):
                if first >= 1.0:
                    break
                first = _timed(fn, *args)
        except Exception as error:  # noqa: BLE001 - any failure is a result to report
            errors[key] = describe(error)
            continue
        live[key] = fn
        estimate += first * calls
    rounds = max_rounds if estimate <= 0 else int(budget_s / estimate)
    rounds = max(min_rounds, min(max_rounds, rounds))
    times: dict[str, list[float]] = {key: [] for key in live}
    keys = list(live)
    gc_enabled = gc.isenabled()
    gc.collect()
    gc.disable()

    def one_round(i: int) -> None:
        for key in keys if i % 2 == 0 else keys[::-1]:
            fn = live[key]
            if calls == 1:
                times[key].append(_timed(fn, *args))
            else:
                start = time.perf_counter()
                for _ in range(calls):
                    fn(*args)
                times[key].append((time.perf_counter() - start) / calls)

    try:
        for i in range(rounds):
            one_round(i)
        if settled is not None and keys:
            deadline = time.perf_counter() + settle_budget_s
            i = rounds
            while i < settle_rounds and time.perf_counter() < deadline and not settled(times):
                one_round(i)
                i += 1
    finally:
        if gc_enabled:
            gc.enable()
    return times, errors


def describe(error: BaseException) -> str:
    """An exception in one line: its type and the last line of its message (TensorFlow's
    messages start with the traceback of the traced code)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[-1][:300]}" if lines else type(error).__name__


def keras_function(name: str) -> Callable | None:
    """Keras's own function for a keras_acts name, or None where Keras lacks the name."""
    if not _keras_hook.is_keras_name(name):
        return None
    return keras.activations.get(name)


def is_axis_wise(name: str) -> bool:
    return registry.spec(name).family == AXIS_FAMILY


def _cpu_identity() -> dict:
    """What Linux says of the first CPU: its name, family, model and stepping (a name
    such as "AMD EPYC" covers several generations) and its last-level cache, which decides
    how much of a 2^22-element tensor stays in cache; empty elsewhere."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if not key:  # the first CPU's block ends
                    break
                fields.setdefault(key, value.strip())
    except OSError:
        return {}
    identity = {"cpu": fields.get("model name", "")}
    if "cpu family" in fields:
        identity["cpu_id"] = (f"family {fields['cpu family']} model {fields.get('model', '?')} "
                              f"stepping {fields.get('stepping', '?')}")
    caches = {}
    for index in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            with open(os.path.join(index, "level"), encoding="utf-8") as level, \
                    open(os.path.join(index, "size"), encoding="utf-8") as size:
                caches[int(level.read())] = size.read().strip()
        except (OSError, ValueError):
            continue
    if caches:
        identity["last_level_cache"] = f"L{max(caches)} {caches[max(caches)]}"
    return identity


def machine_info() -> dict:
    """CPU, cores, library versions, oneDNN setting, date and load."""
    identity = _cpu_identity()
    cpu = identity.pop("cpu", "") or platform.processor() or platform.machine()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu,
        **identity,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "keras_acts": keras_acts.__version__,
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (TensorFlow's default: on)"),
        # XLA reads it once, at its first compilation: --xla_cpu_prefer_vector_width changes every kernel
        "xla_flags": os.environ.get("XLA_FLAGS", "").strip() or "unset",
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or "default",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": _load_average(),
    }


def code_version() -> dict:
    """The keras_acts code measured: its git commit, the files changed since, a hash of the sources.

    Read when the run starts, for a report of a working tree that others may be editing.
    """
    import pathlib
    import subprocess

    package = pathlib.Path(keras_acts.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    info = {"sources_sha256": digest.hexdigest()[:16], "commit": "n/a", "changed": []}

    def git(*args):
        return subprocess.run(["git", *args], cwd=package.parent, capture_output=True, text=True,
                              timeout=10, check=True).stdout

    try:
        info["commit"] = git("rev-parse", "--short", "HEAD").strip()
        status = git("status", "--porcelain", "--", package.name)
        info["changed"] = [line[3:] for line in status.splitlines() if len(line) > 3]
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def _load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


# ----------------------------------------------------------------------------- kernels


def _kernel(fn: Callable) -> Callable:
    return lambda x, s: fn(x)


def _copy(x, s):
    return x * s


def _runner(kernel: Callable, mode: str, direction: str) -> Callable:
    """``kernel(x, s)`` as a function of ``(x, dy, s)`` in ``mode``; backward adds dL/dx."""
    if direction == "forward":

        def run(x, dy, s):
            return kernel(x, s)

    else:

        def run(x, dy, s):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = kernel(x, s)
            grad = tape.gradient(y, x, output_gradients=dy)
            if grad is None:
                raise ValueError("no gradient w.r.t. the input")
            # TensorFlow does not check an upstream gradient's shape (unknown shapes pass).
            if not grad.shape.is_compatible_with(x.shape):
                raise ValueError(f"the gradient's shape {grad.shape} is not the input's {x.shape}: "
                                 f"an upstream gradient {dy.shape} of another shape than the output's")
            return y, grad

    return _compile(run, mode)


def _compile(run: Callable, mode: str) -> Callable:
    """``run`` as called in ``mode``.

    AutoGraph is off: the functions are straight-line TensorFlow code, and
    AutoGraph re-reads their source from disk, which would measure (or break
    on) files edited while the benchmark runs instead of the code imported.
    """
    if mode == "eager":
        return run
    return tf.function(run, jit_compile=(mode == "xla"), autograph=False)


def _rounds_for(config: Config, size: int) -> int:
    return config.max_rounds_large if size >= 2**24 else config.max_rounds


def _output_width(fn: Callable) -> int:
    return int(fn(tf.zeros([1, ROW])).shape[-1])


def _inputs(rng: np.random.Generator, size: int) -> tuple[tf.Tensor, tf.Tensor]:
    """``x`` (normal, standard deviation 2) and an upstream gradient, ``[size / ROW, ROW]``."""
    rows = size // ROW
    x = tf.constant(rng.standard_normal((rows, ROW), dtype=np.float32) * 2)
    return x, tf.constant(rng.standard_normal((rows, ROW), dtype=np.float32))


def _timed_cell(config: Config, name: str, size: int, mode: str, direction: str,
                runners: dict, inputs: tuple, scale: int = 1) -> dict:
    """One cell: ``runners`` timed side by side on ``inputs``, with ``scale`` times the
    configured rounds and time budget."""
    settle = {} if scale != 1 else dict(
        settled=_settled_against_keras,
        settle_rounds=config.settle_rounds_large if size >= 2**24 else config.settle_rounds,
        settle_budget_s=config.settle_budget_s)
    times, errors = paired_times(
        runners, inputs, config.min_rounds * scale, _rounds_for(config, size) * scale,
        config.cell_budget_s * scale, warmup_calls=config.warmup_calls, **settle,
    )
    return _kernel_cell(name, size, mode, direction, times, errors)


def _settled_against_keras(times: dict[str, list[float]]) -> bool:
    """Whether the ratios of keras_acts's times to Keras's have their quartiles on one
    side of 1.0 (True where Keras lacks the name: nothing to settle)."""
    if not times.get("keras") or not times.get("ours"):
        return True
    ratio = median_ratio(times["ours"], times["keras"])
    return ratio["q1"] > 1.0 or ratio["q3"] < 1.0


def bench_kernels(config: Config, names: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """Every name x size x mode x direction: ratios to Keras and to the copy. Also the
    control cells: Keras's relu against Keras's relu (two functions traced apart), with 3x
    a cell's rounds, whose quartiles are what the method reads for one kernel against
    itself on this machine, now."""
    rng = np.random.default_rng(config.seed)
    s = tf.constant(1.5)
    cells: list[dict] = []
    control: list[dict] = []
    relu = keras_function("relu")
    total = len(config.sizes) * len(names)
    done = 0
    for size in config.sizes:
        x, dy_full = _inputs(rng, size)
        dy_by_width = {ROW: dy_full}
        copies = {(m, d): _runner(_copy, m, d) for m in config.modes for d in DIRECTIONS}
        for mode in config.modes:
            for direction in DIRECTIONS:
                runners = {"ours": _runner(_kernel(relu), mode, direction),
                           "keras": _runner(_kernel(relu), mode, direction),
                           "copy": copies[mode, direction]}
                cell = _timed_cell(config, CONTROL, size, mode, direction, runners,
                                   (x, dy_full, s), scale=3)
                cell["keras_has"] = True
                control.append(cell)
        log(f"kernel control {format_size(size)}: "
            + "; ".join(f"{c['mode'][:3]}/{'f' if c['direction'] == 'forward' else 'fb'} "
                        f"{_fmt(c['vs_keras']['median'])} ({_fmt(c['vs_keras']['q1'])}-"
                        f"{_fmt(c['vs_keras']['q3'])})" for c in control if c["size"] == size))
        for name in names:
            done += 1
            ours = registry.spec(name).fn
            theirs = keras_function(name)
            width = _output_width(ours)
            if width not in dy_by_width:
                dy_by_width[width] = tf.identity(dy_full[:, :width])
            dy = dy_by_width[width]
            summary = []
            for mode in config.modes:
                for direction in DIRECTIONS:
                    runners = {"ours": _runner(_kernel(ours), mode, direction),
                               "copy": _with_upstream(copies[mode, direction], dy_full)}
                    if theirs is not None:
                        runners["keras"] = _runner(_kernel(theirs), mode, direction)
                    cell = _timed_cell(config, name, size, mode, direction, runners, (x, dy, s))
                    cell["keras_has"] = theirs is not None
                    if theirs is not None and _slower_than_keras(cell):
                        # checked only where it reads slower: tracing and compiling again
                        try:
                            cell["same_program"] = same_program(ours, theirs, mode, direction, (x, dy, s))
                        except Exception as error:  # noqa: BLE001 - not shown the same: the miss stands
                            cell["same_program"] = False
                            log(f"kernels {name} {format_size(size)} {mode} {direction}: "
                                f"same-program check failed, the cell stays a miss: {error!r}")
                    cells.append(cell)
                    del runners
                    summary.append(
                        f"{mode[:3]}/{'f' if direction == 'forward' else 'fb'} "
                        f"K {_fmt(cell['vs_keras']['median'])} C {_fmt(cell['vs_copy']['median'])}"
                    )
            log(f"kernels {done}/{total} {name} {format_size(size)}: " + "; ".join(summary))
        del x, dy_full, dy_by_width, copies
        gc.collect()
    return cells, control


def _with_upstream(copy: Callable, dy: tf.Tensor) -> Callable:
    """The copy's runner with an upstream gradient ``dy`` of its own output's shape (``x``'s):
    a gated unit's output, and so its ``dy``, is half as wide, while its gradient, like the
    copy's, is as wide as ``x``."""
    return lambda x, _, s: copy(x, dy, s)


def _kernel_cell(name, size, mode, direction, times, errors) -> dict:
    ours, copy, theirs = times.get("ours"), times.get("copy"), times.get("keras")
    empty = median_ratio([], [])
    return {
        "name": name,
        "size": size,
        "mode": mode,
        "direction": direction,
        "rounds": len(copy or ours or []),
        "ms": {k: statistics.median(v) * 1e3 for k, v in times.items() if v},
        "vs_keras": median_ratio(ours, theirs) if ours and theirs else empty,
        "vs_copy": median_ratio(ours, copy) if ours and copy else empty,
        "keras_vs_copy": median_ratio(theirs, copy) if theirs and copy else empty,
        "errors": errors,
    }


def _slower_than_keras(cell: dict) -> bool:
    median = cell["vs_keras"]["median"]
    return median is not None and median > TARGETS["keras"]


def _value_key(tensor) -> tuple | None:
    """A tensor's dtype, shape and a digest of its value; None for what has no value to read
    (a variable's handle, a symbolic tensor)."""
    if tensor.dtype in (tf.resource, tf.variant) or not hasattr(tensor, "numpy"):
        return None
    value = np.asarray(tensor.numpy())
    return tensor.dtype.name, value.shape, hashlib.sha256(value.tobytes()).hexdigest()


def _captured_values(concrete) -> tuple | None:
    """The values a traced function captured (tensors from outside it, which XLA too takes
    as parameters, not constants), as ``_value_key``s; None where one cannot be read."""
    captured = tuple(_value_key(t) for t in concrete.captured_inputs)
    return None if None in captured else captured


def _graph_ops(run: Callable, args: tuple) -> tuple | None:
    """The ops of ``run``'s traced graph (``tf.function``) in the order they were made:
    type, device, attributes (but TensorFlow's private ones other than XLA's) and inputs
    by position, not by name, then the values the graph captured; None where the graph
    calls functions of its own (their bodies are not compared) or captures a value it
    cannot read (a variable)."""
    concrete = run.get_concrete_function(*args)
    graph, captured = concrete.graph.as_graph_def(), _captured_values(concrete)
    if graph.library.function or captured is None:
        return None
    index = {node.name: i for i, node in enumerate(graph.node)}

    def source(name: str) -> str:
        control, name = name.startswith("^"), name.lstrip("^")
        node, _, port = name.partition(":")
        return f"{'^' if control else ''}{index[node]}:{port or 0}"

    def kept(attr: str) -> bool:
        return not attr.startswith("_") or attr.startswith("_Xla")

    return tuple(
        (node.op, node.device,
         tuple(sorted((k, v.SerializeToString()) for k, v in node.attr.items() if kept(k))),
         tuple(source(i) for i in node.input))
        for node in graph.node) + (captured,)


_HLO_NAME = re.compile(r"%[\w.\-]+")
_HLO_METADATA = re.compile(r",?\s*metadata=\{[^}]*\}")


def _hlo_program(run: Callable, args: tuple) -> tuple | None:
    """The HLO that XLA runs for ``run`` (``jit_compile=True``) on ``args``, after its
    optimizations, without the names and source locations that tracing gives it, then the
    values it captured (its parameters beyond ``args``); None where the text leaves out a
    constant's value (XLA prints ``{...}`` for one of more than a few elements) or a
    captured value cannot be read: then it cannot be compared."""
    text = run.experimental_get_compiler_ir(*args)(stage="optimized_hlo")
    captured = _captured_values(run.get_concrete_function(*args))
    if "{...}" in text or captured is None:
        return None
    text = re.sub(r"^HloModule \S+", "HloModule", _HLO_METADATA.sub("", text), flags=re.M)
    names: dict[str, str] = {}
    return _HLO_NAME.sub(lambda m: names.setdefault(m.group(0), f"%{len(names)}"), text), captured


def _eager_ops(run: Callable, args: tuple) -> tuple | None:
    """The ops one eager call of ``run`` executes, recorded by TensorFlow's op callbacks:
    each op's type and attributes (a compiled function is one op named after it) and where
    each of its inputs comes from (one of ``args``, an output of an op before it, or else
    its value); None where this TensorFlow has no op callbacks, an input has no value to
    read, or the call reads a tensor's value on the host through ``EagerTensor.numpy`` or
    ``_numpy`` (work that no op shows; a read through the buffer protocol, as
    ``np.asarray(tensor)``, does not show either, which is why ``same_program`` also
    compares the traced graph)."""
    try:
        from tensorflow.python.framework import op_callbacks
    except ImportError:  # pragma: no cover - a TensorFlow that moved them
        return None
    executed: list = []
    sources = {id(arg): ("arg", k) for k, arg in enumerate(args)}
    alive: list = []  # outputs stay referenced so that their ids stay theirs
    unreadable = False
    recording = False  # reads of values by record itself are not the call's

    def source(tensor):
        nonlocal unreadable
        if id(tensor) in sources:
            return sources[id(tensor)]
        key = _value_key(tensor)
        unreadable = unreadable or key is None
        return ("value", key)

    def record(op_type, inputs, attrs, outputs, op_name=None, graph=None):
        nonlocal recording
        if graph is not None:  # an op added to a graph being traced, not one run eagerly
            return
        recording = True
        try:
            executed.append((op_type, repr(attrs), tuple(source(t) for t in inputs or ())))
        finally:
            recording = False
        for j, tensor in enumerate(outputs or ()):
            sources[id(tensor)] = ("op", len(executed) - 1, j)
            alive.append(tensor)

    def watch_host_reads(frame, event, arg):
        nonlocal unreadable
        reads_value = getattr(arg, "__name__", None) == "_numpy_internal"
        if event == "c_call" and reads_value and not recording:
            unreadable = True

    profiler = sys.getprofile()
    op_callbacks.add_op_callback(record)
    sys.setprofile(watch_host_reads)
    try:
        run(*args)
    finally:
        sys.setprofile(profiler)
        op_callbacks.remove_op_callback(record)
    return None if unreadable else tuple(executed)


def same_program(ours: Callable, theirs: Callable, mode: str, direction: str, args: tuple) -> bool:
    """Whether the activation ``ours`` runs exactly the program of ``theirs`` (Keras's) in
    ``mode`` and ``direction``, as the kernel cells run them on ``args``: the same traced
    graph in ``tf.function``, the same optimized HLO in XLA; eagerly, the same ops executed
    one by one on the same inputs, no read of a tensor's value on the host, and the same
    graph when traced. Then any difference in their times is the method's noise; where a
    program cannot be read whole (a constant XLA's text leaves out, a captured variable),
    it is not called the same."""
    def runner(fn, in_mode):
        return _runner(_kernel(fn), in_mode, direction)

    if mode == "xla":
        program = _hlo_program(runner(ours, mode), args)
        return program is not None and program == _hlo_program(runner(theirs, mode), args)
    if mode == "eager":
        executed = _eager_ops(runner(ours, mode), args)
        if not executed or executed != _eager_ops(runner(theirs, mode), args):
            return False
    graph = _graph_ops(runner(ours, "function"), args)
    return graph is not None and graph == _graph_ops(runner(theirs, "function"), args)


# ----------------------------------------------------------------------------- small tensors


def _with_gradient(fn: Callable) -> Callable:
    """``fn`` called eagerly under a tape, and its gradient w.r.t. the input."""
    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    return run


def _after_product(fn: Callable, h: tf.Tensor, w: tf.Tensor) -> Callable:
    """``fn`` of a matrix product: a layer's eager step. A compiled call costs more
    between ops that use the thread pool than in a loop of itself."""
    return lambda x: fn(tf.matmul(h, w))


SMALL_SUFFIXES = {"": "vs_keras", "_tape": "tape_vs_keras", "_layer": "layer_vs_keras"}
SMALL_WHERE = {"vs_keras": "[1, 1024] eager, one call",
               "tape_vs_keras": "[1, 1024] eager, one call and its gradient",
               "layer_vs_keras": "[8, 128] eager, one call after a matrix product"}


def bench_small(config: Config, names: Sequence[str]) -> list[dict]:
    """One eager call on a [1, 1024] tensor: alone, with its gradient under a tape, and
    on the [8, 128] product of two matrices: microseconds and the ratios to Keras."""
    rng = np.random.default_rng(config.seed)
    x = tf.constant(rng.standard_normal((1, ROW), dtype=np.float32) * 2)
    h = tf.constant(rng.standard_normal((8, ROW // 8), dtype=np.float32))
    w = tf.constant(rng.standard_normal((ROW // 8, ROW // 8), dtype=np.float32) / 4)
    s = tf.constant(1.5)
    results = []
    for name in names:
        theirs = keras_function(name)
        runners = {"ours": registry.spec(name).fn, "copy": lambda x: x * s}
        if theirs is not None:
            runners["keras"] = theirs
        plain = list(runners.items())
        runners.update({f"{key}_tape": _with_gradient(fn) for key, fn in plain})
        runners.update({f"{key}_layer": _after_product(fn, h, w) for key, fn in plain})
        times, errors = paired_times(
            runners, (x,), config.small_rounds, config.small_rounds, 0.0, calls=config.small_calls,
            warmup_calls=max(config.warmup_calls, 3),
        )
        us = {k: statistics.median(v) * 1e6 for k, v in times.items() if v}
        row = {"name": name, "keras_has": theirs is not None, "us": us, "errors": errors}
        for suffix, key in SMALL_SUFFIXES.items():
            ours_t, theirs_t = times.get("ours" + suffix), times.get("keras" + suffix)
            row[key] = median_ratio(ours_t, theirs_t) if ours_t and theirs_t else median_ratio([], [])
        results.append(row)
    log(f"small tensors: {len(results)} names")
    return results


# ----------------------------------------------------------------------------- PReLU


def bench_prelu(config: Config) -> list[dict]:
    """keras_acts.layers.PReLU against keras.layers.PReLU, alpha = 0.25 per channel."""
    rng = np.random.default_rng(config.seed)
    s = tf.constant(1.5)
    results = []
    for size in config.sizes:
        x, dy = _inputs(rng, size)
        layers = {}
        for key, cls in (("ours", keras_acts.layers.PReLU), ("keras", keras.layers.PReLU)):
            layer = cls(alpha_initializer=keras.initializers.Constant(0.25))
            layer.build((None, ROW))
            layers[key] = layer
        for mode in config.modes:
            for direction in DIRECTIONS:
                runners = {k: _layer_runner(layer, mode, direction) for k, layer in layers.items()}
                runners["copy"] = _runner(_copy, mode, direction)
                results.append(_timed_cell(config, "PReLU", size, mode, direction, runners,
                                           (x, dy, s)))
        log(f"prelu {format_size(size)}: "
            + ", ".join(f"{c['mode']}/{c['direction'][0]} K {_fmt(c['vs_keras']['median'])} "
                        f"C {_fmt(c['vs_copy']['median'])}" for c in results if c["size"] == size))
        del x, dy
    return results


def _layer_runner(layer, mode: str, direction: str) -> Callable:
    """The layer as a function of ``(x, dy, s)``; backward: gradients w.r.t. x and alpha."""
    if direction == "forward":

        def run(x, dy, s):
            return layer(x)

    else:

        def run(x, dy, s):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x)
            return y, tape.gradient(y, [x, *layer.trainable_variables], output_gradients=dy)

    return _compile(run, mode)


# ----------------------------------------------------------------------------- memory


def _nbytes(variable) -> int:
    return int(np.prod(variable.shape)) * np.dtype(variable.dtype).itemsize


def allocator_stats_work() -> tuple[bool, str]:
    """Whether ``get_memory_info('CPU:0')`` sees a tensor allocated now (checked, not assumed)."""
    probe_bytes = 4 * 2**20
    try:
        tf.config.experimental.reset_memory_stats("CPU:0")
        before = tf.config.experimental.get_memory_info("CPU:0")
        probe = tf.fill([probe_bytes // 4], tf.constant(1.0)) * tf.constant(2.0)
        after = tf.config.experimental.get_memory_info("CPU:0")
        del probe
    except Exception as error:  # noqa: BLE001
        return False, (f"get_memory_info('CPU:0') failed: {type(error).__name__}: {error} (set "
                       "TF_CPU_ALLOCATOR_USE_BFC=true before TensorFlow first allocates)")
    grew = after["peak"] - before["current"]
    if grew < probe_bytes:
        return False, f"get_memory_info('CPU:0') missed a {probe_bytes}-byte tensor (peak grew {grew})"
    return True, f"checked: a {probe_bytes}-byte probe tensor raised the peak by {grew} bytes"


class DenseStack(keras.Model):
    """``depth`` layers of ``Dense(width)``, each followed by ``activation``.

    The same ops as ``Dense(width, activation=activation)``, but the layers are
    built on the shapes they receive, so the gated units (whose output is half
    as wide) fit in too.
    """

    def __init__(self, activation, width: int, depth: int, **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)
        self.dense = [keras.layers.Dense(width) for _ in range(depth)]

    def call(self, x):
        for layer in self.dense:
            x = self.activation(layer(x))
        return x


def memory_peak(activation, config: Config) -> dict:
    """Allocator bytes at the peak of one training step of the Dense stack.

    ``state`` is the bytes of the model's and Adam's variables and the batch;
    ``step`` the peak during a step minus what was allocated when it began (the
    forward activations kept for the backward pass, gradients, temporaries);
    ``peak = state + step``, which leaves out unrelated live tensors.
    """
    keras.backend.clear_session()
    gc.collect()
    keras.utils.set_random_seed(config.seed)
    width, batch = config.memory_width, config.memory_batch
    model = DenseStack(activation, width, config.memory_layers)
    rng = np.random.default_rng(config.seed)
    x = tf.constant(rng.standard_normal((batch, width), dtype=np.float32))
    out_width = model(x[:1]).shape[-1]  # builds the layers on the real shapes
    y = tf.constant(rng.standard_normal((batch, out_width), dtype=np.float32))
    optimizer = keras.optimizers.Adam(learning_rate=1e-4)
    optimizer.build(model.trainable_variables)

    @tf.function(autograph=False)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    train_step.get_concrete_function(x, y)  # trace before measuring
    state = sum(_nbytes(v) for v in model.variables) + sum(_nbytes(v) for v in optimizer.variables)
    state += int(x.numpy().nbytes + y.numpy().nbytes)
    steps = []
    for _ in range(config.memory_steps):
        tf.config.experimental.reset_memory_stats("CPU:0")
        before = tf.config.experimental.get_memory_info("CPU:0")["current"]
        loss = train_step(x, y)
        float(loss)
        steps.append(tf.config.experimental.get_memory_info("CPU:0")["peak"] - before)
    del model, optimizer, train_step
    return {"state": state, "step": max(steps), "steps": steps, "peak": state + max(steps)}


def bench_memory(config: Config, names: Sequence[str]) -> dict:
    ok, how = allocator_stats_work()
    result: dict[str, Any] = {"available": ok, "how": how, "rows": []}
    if not ok:
        log(f"memory: skipped, {how}")
        return result
    relu = memory_peak("relu", config)
    result["relu"] = relu
    log(f"memory relu (Keras): peak {relu['peak'] / 2**20:.1f} MiB, step {relu['step'] / 2**20:.1f} MiB")
    for i, name in enumerate(names, 1):
        row: dict[str, Any] = {"name": name}
        try:
            ours = memory_peak(registry.spec(name).fn, config)
        except Exception as error:  # noqa: BLE001
            row["error"] = describe(error)
            result["rows"].append(row)
            log(f"memory {i}/{len(names)} {name}: {row['error']}")
            continue
        row.update(ours=ours, vs_relu=ours["peak"] / relu["peak"],
                   step_vs_relu=ours["step"] / relu["step"] if relu["step"] else None)
        theirs = keras_function(name)
        if config.memory_keras and theirs is not None:
            try:
                keras_peak = memory_peak(theirs, config)
                row.update(keras=keras_peak, vs_keras=ours["peak"] / keras_peak["peak"])
            except Exception as error:  # noqa: BLE001
                row["keras_error"] = describe(error)
        result["rows"].append(row)
        log(f"memory {i}/{len(names)} {name}: peak {ours['peak'] / 2**20:.1f} MiB, "
            f"{row['vs_relu']:.3f}x relu (step {_fmt(row['step_vs_relu'])}x)")
    return result


# ----------------------------------------------------------------------------- training


def training_data(config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The credit-default training split, cut to whole batches (no retracing on a short one)."""
    from keras_acts.datasets import load_credit_default

    (x, y), _ = load_credit_default("binary", seed=config.seed)
    rows = min(config.training_rows or len(x), len(x))
    rows = max(BATCH_SIZE, rows // BATCH_SIZE * BATCH_SIZE)
    return x[:rows], y[:rows]


def training_step_timer(config: Config, activation, x: np.ndarray, y: np.ndarray) -> Callable[[int], float]:
    """The credit-default model's compiled training step (what ``model.fit`` calls once
    per batch) with ``activation``, as a function timing ``k`` steps on batches of ``x``
    and ``y`` and returning seconds per step. The model is traced and warmed first."""
    from keras_acts import demo

    keras.utils.set_random_seed(config.seed)
    model = demo.build_binary_model(x.shape[1], activation)
    if config.quick:
        model.run_eagerly = True  # a smoke run: no tracing, nothing timed that matters
    model.fit(x, y, epochs=1, batch_size=BATCH_SIZE, verbose=0)  # traces; not timed
    train_step = model.make_train_function()
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH_SIZE, drop_remainder=True)
    iterator = iter(batches.repeat())

    def run(k: int) -> float:
        start = time.perf_counter()
        for _ in range(k):
            logs = train_step(iterator)
        float(logs["loss"])  # the last step has finished
        return (time.perf_counter() - start) / k

    run(config.training_block)  # warm the iterator
    return run


def bench_training(config: Config, names: Sequence[str]) -> list[dict]:
    """Steps/s of the credit-default model: keras_acts's function against Keras's.

    Names Keras lacks are compared with the same model using Keras's ``relu``
    (for information; the target applies to names both have).
    """
    x, y = training_data(config)
    steps = len(x) // BATCH_SIZE

    def build(activation) -> Callable[[int], float]:
        return training_step_timer(config, activation, x, y)

    def compare(ours, base, rounds: int) -> dict:
        ours_t, base_t = [], []
        for r in range(rounds):
            if r % 2 == 0:
                ours_t.append(ours(config.training_block))
                base_t.append(base(config.training_block))
            else:
                base_t.append(base(config.training_block))
                ours_t.append(ours(config.training_block))
        # steps/s ratio ours / baseline = baseline step time / ours step time, per round
        return {
            "ratio": median_ratio(base_t, ours_t),
            "steps_per_s": 1 / statistics.median(ours_t),
            "baseline_steps_per_s": 1 / statistics.median(base_t),
        }

    def report(i, row):
        log(f"training {i}/{len(names)} {row['name']}: {row['steps_per_s']:.0f} steps/s, "
            f"{row['ratio']['median']:.3f}x {row['baseline']} "
            f"(quartiles {row['ratio']['q1']:.3f}-{row['ratio']['q3']:.3f})")

    # The control: two models with Keras's relu, measured as every pair below. Its
    # distance from 1.0 is the noise of the method on this machine, now.
    relu_model = build("relu")
    control = {"name": CONTROL, "keras_has": True, "steps": steps, "baseline": "relu"}
    control.update(compare(build("relu"), relu_model, config.training_rounds))
    report(0, control)
    results = [control]
    for i, name in enumerate(names, 1):
        theirs = keras_function(name)
        row: dict[str, Any] = {"name": name, "keras_has": theirs is not None, "steps": steps}
        if registry.spec(name).family == "gated":
            row["skipped"] = GATED_TRAINING
            results.append(row)
            continue
        try:
            ours_model = build(registry.spec(name).fn if theirs is not None else name)
            if theirs is not None:
                base_model, rounds, row["baseline"] = build(theirs), config.training_rounds, "keras"
            else:
                base_model, rounds, row["baseline"] = relu_model, config.training_rounds_baseline, "relu"
            row.update(compare(ours_model, base_model, rounds))
        except Exception as error:  # noqa: BLE001
            row["error"] = describe(error)
            results.append(row)
            log(f"training {i}/{len(names)} {name}: {row['error']}")
            continue
        results.append(row)
        del ours_model, base_model
        gc.collect()
        report(i, row)
    return results


# ----------------------------------------------------------------------------- targets


def evaluate(results: dict) -> list[dict]:
    """Every missed target, one dict each: name, target, where, value, limit, marginal."""
    misses: list[dict] = []

    def add(name, target, where, value, limit, marginal=False, q=None):
        misses.append({"name": name, "target": target, "where": where, "value": value,
                       "limit": limit, "marginal": marginal, "quartiles": q})

    cells = results.get("kernels") or []
    noise = _control_upper_quartiles(results)
    for cell in cells:
        for error_of, message in cell["errors"].items():
            if error_of != "keras":
                add(cell["name"], "error", _where(cell), None, None, q=[error_of, message])
        r = cell["vs_keras"]
        if _slower_than_keras(cell) and not cell.get("same_program"):
            marginal = (r["median"] <= MARGINAL or r["q1"] <= TARGETS["keras"]
                        or r["median"] <= noise.get((cell["size"], cell["mode"], cell["direction"]), 0))
            add(cell["name"], "keras", _where(cell), r["median"], TARGETS["keras"], marginal,
                [r["q1"], r["q3"]])
    by_key = {(c["name"], c["size"], c["mode"], c["direction"]): c for c in cells}
    for name, size in sorted({(c["name"], c["size"]) for c in cells}, key=lambda k: (k[1], k[0])):
        axis = is_axis_wise(name)
        best = _best_forward(by_key, name, size)
        limit = TARGETS["forward_copy_axis" if axis else "forward_copy"]
        if best is not None and best[0] > limit:
            add(name, "forward_copy", f"{format_size(size)} forward, best of tf.function/XLA "
                f"({MODE_TITLES[best[1]]})", best[0], limit)
        cell = by_key.get((name, size, "function", "backward"))
        limit = TARGETS["backward_copy_axis" if axis else "backward_copy"]
        if cell and cell["vs_copy"]["median"] is not None and cell["vs_copy"]["median"] > limit:
            add(name, "backward_copy", f"{format_size(size)} forward+backward, tf.function",
                cell["vs_copy"]["median"], limit)
    for row in results.get("small") or []:
        for key, what in SMALL_WHERE.items():
            r = row.get(key)  # reports from before a column was added have none
            if r and r["median"] is not None and r["median"] > TARGETS["keras"]:
                marginal = r["median"] <= MARGINAL or r["q1"] <= TARGETS["keras"]
                add(row["name"], "keras", what, r["median"], TARGETS["keras"],
                    marginal, [r["q1"], r["q3"]])
    memory = results.get("memory") or {}
    for row in memory.get("rows", []):
        if "error" in row:
            add(row["name"], "error", "memory", None, None, q=["memory", row["error"]])
        elif row["vs_relu"] > TARGETS["memory"]:
            add(row["name"], "memory", "training-step peak over relu's", row["vs_relu"],
                TARGETS["memory"])
    for row in results.get("training") or []:
        if "skipped" in row:
            continue
        if "error" in row:
            add(row["name"], "error", "training", None, None, q=["training", row["error"]])
        elif row["baseline"] == "keras" and row["name"] != CONTROL and (
                row["ratio"]["median"] < TARGETS["training"]):
            r = row["ratio"]
            add(row["name"], "training", "credit-default steps/s over Keras's", r["median"],
                TARGETS["training"], r["q3"] >= TARGETS["training"], [r["q1"], r["q3"]])
    for cell in results.get("prelu") or []:
        r = cell["vs_keras"]
        if r["median"] is not None and r["median"] > TARGETS["keras"]:
            marginal = r["median"] <= MARGINAL or r["q1"] <= TARGETS["keras"]
            add("PReLU", "keras", _where(cell), r["median"], TARGETS["keras"], marginal,
                [r["q1"], r["q3"]])
        if cell["mode"] == "function" and cell["direction"] == "forward":
            c = cell["vs_copy"]["median"]
            if c is not None and c > TARGETS["prelu_copy"]:
                add("PReLU", "prelu_copy", f"{format_size(cell['size'])} forward, tf.function", c,
                    TARGETS["prelu_copy"])
    return misses


def _spread(cell: dict | None) -> str:
    r = cell["vs_keras"] if cell else None
    if not r or r["median"] is None:
        return "n/a"
    return f"{_fmt(r['median'])} ({_fmt(r['q1'])}-{_fmt(r['q3'])})"


def _control_upper_quartiles(results: dict) -> dict:
    """(size, mode, direction) -> the upper quartile of the kernel control's
    per-round ratios: a kernel against itself reads that much or more in a quarter
    of the rounds, so a median up to it is within noise."""
    return {(c["size"], c["mode"], c["direction"]): c["vs_keras"]["q3"]
            for c in results.get("kernel_control") or [] if c["vs_keras"]["q3"] is not None}


def _where(cell: dict) -> str:
    direction = "forward" if cell["direction"] == "forward" else "forward+backward"
    return f"{format_size(cell['size'])} {MODE_TITLES[cell['mode']]} {direction}"


def _best_forward(by_key, name, size):
    options = []
    for mode in ("function", "xla"):
        cell = by_key.get((name, size, mode, "forward"))
        if cell and cell["vs_copy"]["median"] is not None:
            options.append((cell["vs_copy"]["median"], mode))
    return min(options) if options else None


# ----------------------------------------------------------------------------- report

KERNEL_COLUMNS = (
    "name", "mode", "fwd / Keras", "fwd+bwd / Keras", "fwd / copy", "fwd+bwd / copy",
    "Keras fwd / copy", "Keras fwd+bwd / copy", "missed",
)
SMALL_COLUMNS = ("name", "keras_acts µs", "Keras µs", "keras_acts / Keras",
                 "with gradient: keras_acts µs", "Keras µs", "keras_acts / Keras",
                 "after a product: keras_acts µs", "Keras µs", "keras_acts / Keras", "missed")
MEMORY_COLUMNS = ("name", "peak MiB", "peak / relu", "step MiB", "step / relu", "peak / Keras",
                  "missed")
TRAINING_COLUMNS = ("name", "baseline", "keras_acts steps/s", "baseline steps/s",
                    "keras_acts / baseline", "quartiles", "missed")
PRELU_COLUMNS = ("size", "mode", "direction", "keras_acts / Keras", "keras_acts / copy",
                 "Keras / copy", "missed")
SUMMARY_COLUMNS = ("name", "Keras has it", "slower than Keras", "best fwd / copy",
                   "tf.function fwd+bwd / copy", "memory / relu", "training / Keras", "missed")

METHOD = """\
* Times are ratios measured side by side in one process: for each cell the
  runners (keras_acts, Keras's function of the same name where Keras has one,
  and the copy `y = x * s` with `s` a runtime scalar) are called {warmup}x to warm
  up (trace, compile; once if a call takes over a second), then in rounds of one call each, the order alternating
  between rounds (A, B, C, then C, B, A, ...); a ratio per round, the median
  of the ratios. Rounds per cell: {rounds}.
* Inputs: float32 `[N / 1024, 1024]`, normal with standard deviation 2.
  Axis-wise functions (the softmax family) work on the last axis; the gated
  units split it in halves. Modes: eager, `tf.function`,
  `tf.function(jit_compile=True)` (XLA). `fwd+bwd` is one function computing
  `y` and the gradient w.r.t. `x` under a `tf.GradientTape`, with a random
  upstream gradient (`output_gradients`); its copy floor computes `x * s` and
  `dy * s`, with a `dy` of `x`'s shape (the gated units' own `dy` is half as
  wide as `x`, their gradient as wide as `x`). keras_acts runs with its defaults: in `tf.function` its
  custom-gradient functions and layer formulas run as XLA-compiled kernels
  (`keras_acts.config`), Keras's functions as TensorFlow's kernels.
* Ratios below 1.0 over Keras mean keras_acts is faster. "n/a": Keras lacks
  the name (`keras_acts._keras_hook.is_keras_name`); Keras's function is
  `keras.activations.get(name)`.
* Small tensors: one eager call on `[1, 1024]`, timed in blocks of
  {small_calls} calls, {small_rounds} paired alternating blocks; µs are medians.
  "With gradient": the call under a `tf.GradientTape` and `tape.gradient` of its
  output (a training loop without `tf.function`). "After a product": the call on
  `matmul` of an [8, 128] and a [128, 128] matrix, product included (a layer's eager
  step; between ops that use the thread pool, a compiled call costs more than in a
  loop of itself).
* Memory: `tf.config.experimental.get_memory_info('CPU:0')` ({memory_how}).
  TensorFlow's CPU allocator counts allocations of 256 KiB and more, which
  here is every activation, gradient and weight matrix ({tensor_kib} KiB each);
  biases and scalars are left out of `step` and added exactly to `peak`. The model:
  {memory_layers} layers `Dense({memory_width})`, each followed by the activation (the
  ops of `Dense(..., activation=...)`, built on the shapes they receive so the
  gated units fit), batch {memory_batch}, MSE loss, Adam, one `tf.function`
  training step traced beforehand; `step` = the allocator's peak during the
  step minus what was allocated when it began (activations kept for the
  backward pass, gradients, temporaries), the largest of {memory_steps} step(s), the
  first of them the traced function's first run;
  `peak` = `step` + the bytes of the model's and Adam's variables and the
  batch. Baseline: the same stack with Keras's `relu`; `peak / Keras`: over
  the same stack with Keras's function of the same name (information).
* Training: the credit-default binary model of `keras_acts.demo`
  (`build_binary_model`, batch {batch}, {training_rows} training rows), {training_warmup};
  then its compiled training step, the function `model.fit` calls once per
  batch (`model.make_train_function()`, `tf.function` without XLA on CPU), is
  called directly on the batches in alternating blocks of {training_block} steps
  ({training_rounds} rounds against Keras's function of the same name,
  {training_rounds_baseline} against Keras's `relu` for names Keras lacks:
  information only; the order alternating between rounds); a ratio of steps/s
  per round, the median of the ratios. Fine alternation cancels the drift of
  a shared machine's load (alternating whole `fit` epochs left two identical
  models 7% apart). The control row pairs two models with
  Keras's relu: its distance from 1.0 is the method's noise on this machine
  during the run. A training miss whose upper quartile reaches {training} is
  marked marginal.
* PReLU: `keras_acts.layers.PReLU` and `keras.layers.PReLU`, alpha 0.25 per
  channel (1024 weights); `fwd+bwd` includes the gradient w.r.t. alpha.
* Control: Keras's relu timed against itself (two functions traced apart) in
  every size, mode and direction, with 3x a cell's rounds: what one kernel reads
  against itself on this machine during the run.
* Targets: never slower than Keras (median ratio <= {keras}, every cell; misses
  with a ratio <= {marginal}, a lower quartile <= 1.0, or a ratio up to the
  control's upper quartile in the same size, mode and direction are marked
  marginal, within noise; a cell that reads slower while keras_acts's function
  runs Keras's own program, the same graph in tf.function, the same optimized HLO
  in XLA, eagerly the same ops executed on the same inputs, no read on the host and
  the same graph, captured values included, is noise and no miss, listed apart);
  forward within {forward_copy}x the copy in the better of tf.function and
  XLA ({forward_copy_axis}x for the softmax family: softmax, log_softmax, softmin,
  sparsemax); fwd+bwd in tf.function within {backward_copy}x the fwd+bwd copy
  ({backward_copy_axis}x for the softmax family); training-step memory within
  {memory}x relu's (checked for every name); credit-default steps/s >= {training}x
  Keras's; PReLU forward in tf.function within {prelu_copy}x the copy.
"""


def _fmt(value, digits=2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table(columns: Sequence[str], rows: list[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _mark(value, bad: bool) -> str:
    return f"**{_fmt(value)}**" if bad else _fmt(value)


def _ratio_cell(cell: dict | None, key: str, limit: float | None) -> str:
    """One ratio of a cell, bold when over ``limit``; "error" when a runner it needs failed."""
    if cell is None:
        return "-"
    needs = {"vs_keras": ("ours", "keras"), "vs_copy": ("ours", "copy"),
             "keras_vs_copy": ("keras", "copy")}[key]
    if "keras" in needs and not cell.get("keras_has", True):
        return "n/a"
    if any(who in cell["errors"] for who in needs):
        return "error"
    value = cell[key]["median"]
    return _mark(value, limit is not None and value is not None and value > limit)


def _keras_ratio_cell(cell: dict | None) -> str:
    """A cell's ratio to Keras: bold where it misses the target, marked ``=`` where it
    reads slower but runs Keras's own program (the method's noise, not a miss)."""
    if cell is not None and _slower_than_keras(cell) and cell.get("same_program"):
        return f"{_fmt(cell['vs_keras']['median'])}="
    return _ratio_cell(cell, "vs_keras", TARGETS["keras"])


def _cpu_details(machine: dict) -> str:
    details = [machine[k] for k in ("cpu_id", "last_level_cache") if machine.get(k)]
    return f" ({', '.join(details)})" if details else ""


def _copy_floor_line(results: dict) -> list[str]:
    """The copy's own times at the largest size, forward, and the bandwidth they make: the
    floor every ratio to the copy divides by, which differs from machine to machine."""
    control = results.get("kernel_control") or []
    size = max((c["size"] for c in control), default=None)
    times = {c["mode"]: c["ms"]["copy"] for c in control
             if c["size"] == size and c["direction"] == "forward" and c["ms"].get("copy")}
    if not times:
        return []
    moved = 2 * 4 * size  # float32 x read, y written
    fastest = min(times.values())
    listed = ", ".join(f"{MODE_TITLES.get(m, m)} {t:.2f} ms" for m, t in times.items())
    return [f"* The copy `y = x * s` at {format_size(size)} elements, forward: {listed}; at best "
            f"{moved / (fastest * 1e-3) / 1e9:.1f} GB/s read and written (the floor that the "
            f"ratios to the copy divide by; it differs between machines)."]


def render_markdown(results: dict) -> str:
    """The report: machine, method, a summary of targets, then one table per measurement."""
    machine, config = results["machine"], results["config"]
    misses = results["misses"]
    lines = ["# keras_acts benchmarks", ""]
    lines += [
        f"Generated by `python -m benchmarks.bench{' ' + ' '.join(results['argv']) if results['argv'] else ''}` "
        f"on {machine['date']}, in {results['seconds'] / 60:.1f} minutes"
        + (" (**--quick smoke run: tiny sizes, not meaningful timings**)" if config["quick"] else "")
        + ".",
        "",
        f"* Machine: {machine['cpu']}{_cpu_details(machine)}, {machine['usable_cores']} usable cores "
        f"({machine['cores']} online), {machine['system']}; TensorFlow intra-op threads: "
        f"{machine['intra_op_threads']}; load average at start {machine['load_average_start']}, "
        f"at end {machine.get('load_average_end', 'n/a')}.",
        f"* Python {machine['python']}, TensorFlow {machine['tensorflow']}, Keras {machine['keras']}, "
        f"NumPy {machine['numpy']}, keras_acts {machine['keras_acts']}; oneDNN: TF_ENABLE_ONEDNN_OPTS "
        f"{machine['onednn']}; XLA_FLAGS {machine.get('xla_flags', 'not recorded')}.",
        f"* Code: keras_acts at commit {results['code']['commit']}"
        + (f" with uncommitted changes in {', '.join(results['code']['changed'])}"
           if results["code"]["changed"] else "")
        + f" (sources sha256 {results['code']['sources_sha256']}, read when the run started).",
        f"* Sizes: {', '.join(format_size(n) for n in config['sizes'])} elements; stages: "
        f"{', '.join(config['stages'])}.",
        *_copy_floor_line(results),
        "",
        "## Method",
        "",
    ]
    memory = results.get("memory") or {}
    rounds = (f"{config['min_rounds']} to {config['max_rounds']} below 2^24 elements and "
              f"{config['min_rounds']} to {config['max_rounds_large']} from 2^24, as many as fit in "
              f"{config['cell_budget_s']} s")
    if "settle_rounds" in config:  # reports written before cells were settled lack it
        rounds += (f"; where the ratio to Keras is then unsettled (its quartiles on both "
                   f"sides of 1.0), more rounds, one at a time, until it settles, up to "
                   f"{config['settle_rounds']} rounds in all below 2^24 and "
                   f"{config['settle_rounds_large']} from 2^24, or {config['settle_budget_s']} s "
                   f"more; every round counts (not the control's)")
    lines += METHOD.format(
        rounds=rounds, warmup=config["warmup_calls"], small_calls=config["small_calls"],
        tensor_kib=config["memory_width"] * config["memory_batch"] * 4 // 1024,
        training_warmup=("run eagerly (--quick)" if config["quick"]
                         else "one `fit` epoch to trace first"),
        small_rounds=config["small_rounds"],
        memory_how=memory.get("how", "not run"), memory_layers=config["memory_layers"],
        memory_width=config["memory_width"], memory_batch=config["memory_batch"],
        memory_steps=config["memory_steps"], batch=BATCH_SIZE,
        training_rows=results.get("training_rows", "n/a"),
        training_rounds=config["training_rounds"],
        training_rounds_baseline=config["training_rounds_baseline"],
        training_block=config["training_block"],
        marginal=MARGINAL, **TARGETS,
    ).splitlines()
    lines += ["", "## Targets", ""]
    lines += _summary_lines(results)
    lines += ["", "### Missed targets", ""]
    lines += _miss_lines(misses)
    lines += _same_program_lines(results)
    for size in config["sizes"]:
        lines += _kernel_lines(results, size)
    if results.get("small") is not None:
        lines += ["", "## Small tensors: one eager call on 1024 elements, alone, with its gradient, after a product", ""]
        rows = []
        for row in results["small"]:
            cells, slower = [row["name"]], False
            for suffix, key in SMALL_SUFFIXES.items():
                r = (row.get(key) or {}).get("median")
                slower = slower or (r is not None and r > TARGETS["keras"])
                cells += [
                    _fmt(row["us"].get("ours" + suffix), 1),
                    _fmt(row["us"].get("keras" + suffix), 1) if row["keras_has"] else "n/a",
                    _mark(r, r is not None and r > TARGETS["keras"]) if row["keras_has"] else "n/a",
                ]
            rows.append(cells + ["K" if slower else ""])
        lines += _table(SMALL_COLUMNS, rows)
        copy_us = [row["us"].get("copy") for row in results["small"] if row["us"].get("copy")]
        if copy_us:
            lines += ["", f"The copy `x * s` on the same tensor: {statistics.median(copy_us):.1f} µs."]
    if results.get("prelu") is not None:
        lines += ["", "## PReLU layer", ""]
        rows = []
        for cell in results["prelu"]:
            k, c = cell["vs_keras"]["median"], cell["vs_copy"]["median"]
            target_cell = cell["mode"] == "function" and cell["direction"] == "forward"
            missed = []
            if k is not None and k > TARGETS["keras"]:
                missed.append("K")
            if target_cell and c is not None and c > TARGETS["prelu_copy"]:
                missed.append("copy")
            rows.append([
                format_size(cell["size"]), MODE_TITLES[cell["mode"]],
                "fwd" if cell["direction"] == "forward" else "fwd+bwd",
                _ratio_cell(cell, "vs_keras", TARGETS["keras"]),
                _ratio_cell(cell, "vs_copy", TARGETS["prelu_copy"] if target_cell else None),
                _ratio_cell(cell, "keras_vs_copy", None),
                ", ".join(missed),
            ])
        lines += _table(PRELU_COLUMNS, rows)
    if results.get("memory") is not None:
        lines += ["", "## Training-step memory", ""]
        if not memory.get("available"):
            lines.append(f"Not measured: {memory.get('how')}.")
        else:
            relu = memory["relu"]
            lines.append(f"Keras's relu: peak {relu['peak'] / 2**20:.1f} MiB, of which the step "
                         f"{relu['step'] / 2**20:.1f} MiB.")
            lines.append("")
            rows = []
            for row in memory["rows"]:
                if "error" in row:
                    rows.append([row["name"], "error", "", "", "", "", "error"])
                    continue
                bad = row["vs_relu"] > TARGETS["memory"]
                rows.append([
                    row["name"], f"{row['ours']['peak'] / 2**20:.1f}", _mark(row["vs_relu"], bad),
                    f"{row['ours']['step'] / 2**20:.1f}", _fmt(row["step_vs_relu"]),
                    _fmt(row["vs_keras"]) if "vs_keras" in row else
                    "error" if "keras_error" in row else
                    "n/a" if keras_function(row["name"]) is None else "-",
                    "memory" if bad else "",
                ])
            lines += _table(MEMORY_COLUMNS, rows)
    if results.get("training") is not None:
        lines += ["", "## Credit-default training speed", "",
                  f"Batches of {BATCH_SIZE} from {results.get('training_steps', 'n/a')} per epoch. "
                  "The ratio is keras_acts's steps/s over the baseline's (higher is faster), "
                  "with the quartiles of the per-round ratios; the control row measures Keras's "
                  "relu against itself.", ""]
        rows = []
        for row in results["training"]:
            if "skipped" in row:
                rows.append([row["name"], "-", "n/a", "n/a", "n/a", "", ""])
                continue
            if "error" in row:
                rows.append([row["name"], "", "error", "", "", "", "error"])
                continue
            r = row["ratio"]["median"]
            bad = row["baseline"] == "keras" and row["name"] != CONTROL and r < TARGETS["training"]
            baseline = ("Keras's relu" if row["name"] == CONTROL else
                        "Keras's" if row["baseline"] == "keras" else "Keras's relu (info)")
            rows.append([
                row["name"], baseline,
                f"{row['steps_per_s']:.0f}", f"{row['baseline_steps_per_s']:.0f}",
                _mark(r, bad), f"{row['ratio']['q1']:.2f}-{row['ratio']['q3']:.2f}",
                ("training (marginal)" if row["ratio"]["q3"] >= TARGETS["training"] else "training")
                if bad else "",
            ])
        lines += _table(TRAINING_COLUMNS, rows)
        if any("skipped" in row for row in results["training"]):
            lines += ["", f"n/a: {GATED_TRAINING}."]
    lines.append("")
    return "\n".join(lines)


def _kernel_lines(results: dict, size: int) -> list[str]:
    cells = [c for c in results.get("kernels") or [] if c["size"] == size]
    if not cells:
        return []
    by_key = {(c["name"], c["mode"], c["direction"]): c for c in cells}
    names = list(dict.fromkeys(c["name"] for c in cells))
    control = {(c["mode"], c["direction"]): c
               for c in results.get("kernel_control") or [] if c["size"] == size}
    about = ("Ratios of median times (lower is faster); **bold**: the cell misses its target. "
             "missed: K = slower than Keras, copy = over the copy target (forward: in the better "
             "of tf.function and XLA, marked on both rows; fwd+bwd: tf.function); = (a ratio "
             "marked =): reads slower than Keras but runs Keras's own program, not a miss.")
    if control:
        about += (" The control rows time Keras's relu against itself (two functions traced "
                  "apart, 3x a cell's rounds; quartiles in brackets): a median slower than "
                  "Keras's up to the control's upper quartile is marked marginal, within noise.")
    lines = ["", f"## {format_size(size)} elements, [{size // ROW}, {ROW}] float32", "", about, ""]
    rows = []
    for name in names:
        axis = is_axis_wise(name)
        fwd_limit = TARGETS["forward_copy_axis" if axis else "forward_copy"]
        bwd_limit = TARGETS["backward_copy_axis" if axis else "backward_copy"]
        best = _best_forward({(n, size, m, d): c for (n, m, d), c in by_key.items()}, name, size)
        fwd_missed = best is not None and best[0] > fwd_limit
        for mode in results["config"]["modes"]:
            f, b = by_key.get((name, mode, "forward")), by_key.get((name, mode, "backward"))
            missed = []
            for cell, label in ((f, "fwd"), (b, "f+b")):
                if cell and _slower_than_keras(cell):
                    missed.append(f"= {label}" if cell.get("same_program") else f"K {label}")
            copy_fwd_bad = fwd_missed and mode in ("function", "xla")
            bwd_value = b["vs_copy"]["median"] if b else None
            copy_bwd_bad = mode == "function" and bwd_value is not None and bwd_value > bwd_limit
            if copy_fwd_bad:
                missed.append("copy fwd")
            if copy_bwd_bad:
                missed.append("copy f+b")
            for cell in (f, b):
                if cell and "ours" in cell["errors"]:
                    missed.append("error")
            rows.append([
                name, MODE_TITLES[mode],
                _keras_ratio_cell(f), _keras_ratio_cell(b),
                _ratio_cell(f, "vs_copy", fwd_limit if copy_fwd_bad else None),
                _ratio_cell(b, "vs_copy", bwd_limit if mode == "function" else None),
                _ratio_cell(f, "keras_vs_copy", None),
                _ratio_cell(b, "keras_vs_copy", None),
                ", ".join(dict.fromkeys(missed)),
            ])
    if control:
        rows = [[CONTROL, MODE_TITLES[mode], _spread(f), _spread(b),
                 _ratio_cell(f, "vs_copy", None), _ratio_cell(b, "vs_copy", None),
                 _ratio_cell(f, "keras_vs_copy", None), _ratio_cell(b, "keras_vs_copy", None), ""]
                for mode in results["config"]["modes"]
                for f, b in [(control.get((mode, "forward")), control.get((mode, "backward")))]
                ] + rows
    lines += _table(KERNEL_COLUMNS, rows)
    errors = sorted({f"{c['name']} {MODE_TITLES[c['mode']]} {c['direction']}: {who}: {msg}"
                     for c in cells for who, msg in c["errors"].items()})
    if errors:
        lines += ["", "Errors:", ""] + [f"* {e}" for e in errors]
    return lines


def _summary_lines(results: dict) -> list[str]:
    """One row per name: the worst of each target over sizes and modes."""
    config = results["config"]
    cells = results.get("kernels") or []
    by_key = {(c["name"], c["size"], c["mode"], c["direction"]): c for c in cells}
    memory = {r["name"]: r for r in (results.get("memory") or {}).get("rows", [])}
    training = {r["name"]: r for r in results.get("training") or [] if r["name"] != CONTROL}
    names = list(dict.fromkeys(
        [c["name"] for c in cells] + list(memory) + list(training)
        + [r["name"] for r in results.get("small") or []]
    ))
    missed_by_name: dict[str, list[str]] = {}
    for miss in results["misses"]:
        missed_by_name.setdefault(miss["name"], []).append(miss["target"])
    sizes = config["sizes"]
    rows = []
    for name in names:
        keras_has = keras_function(name) is not None
        slower = [c for c in cells if c["name"] == name and c["vs_keras"]["median"] is not None]
        same = [c for c in slower if _slower_than_keras(c) and c.get("same_program")]
        counted = [c for c in slower if c not in same]
        n_slower = sum(_slower_than_keras(c) for c in counted)
        worst = max((c["vs_keras"]["median"] for c in counted), default=None)
        slower_text = (f"{n_slower}/{len(slower)} cells, worst {_fmt(worst)}" if slower
                       else ("n/a" if not keras_has else "-"))
        if same:
            slower_text += f" (and {len(same)} reading slower on Keras's own program: noise)"
        axis = is_axis_wise(name) if name in registry.list_activations() else False
        fwd_limit = TARGETS["forward_copy_axis" if axis else "forward_copy"]
        bwd_limit = TARGETS["backward_copy_axis" if axis else "backward_copy"]
        fwd, bwd = [], []
        for size in sizes:
            best = _best_forward(by_key, name, size)
            fwd.append(_mark(best[0], best[0] > fwd_limit) if best else "-")
            cell = by_key.get((name, size, "function", "backward"))
            v = cell["vs_copy"]["median"] if cell else None
            bwd.append(_mark(v, v is not None and v > bwd_limit) if cell else "-")
        mem = memory.get(name)
        mem_text = ("error" if mem and "error" in mem else
                    _mark(mem["vs_relu"], mem["vs_relu"] > TARGETS["memory"]) if mem else "-")
        tr = training.get(name)
        if tr is None:
            tr_text = "-"
        elif "error" in tr:
            tr_text = "error"
        elif "skipped" in tr:
            tr_text = "n/a"
        elif tr["baseline"] != "keras":
            tr_text = "n/a"
        else:
            tr_text = _mark(tr["ratio"]["median"], tr["ratio"]["median"] < TARGETS["training"])
        rows.append([name, "yes" if keras_has else "", slower_text, " / ".join(fwd),
                     " / ".join(bwd), mem_text, tr_text,
                     ", ".join(dict.fromkeys(missed_by_name.get(name, [])))])
    head = [f"Worst case per name over sizes and modes. The copy columns give "
            f"{' / '.join(format_size(s) for s in sizes)}. Limits: Keras {TARGETS['keras']}, "
            f"forward copy {TARGETS['forward_copy']} ({TARGETS['forward_copy_axis']} softmax family), "
            f"fwd+bwd copy {TARGETS['backward_copy']} ({TARGETS['backward_copy_axis']}), memory "
            f"{TARGETS['memory']}, training >= {TARGETS['training']}. Missed: keras (slower than "
            "Keras somewhere, small tensors included), forward_copy, backward_copy, memory, "
            "training, error.", ""]
    return head + _table(SUMMARY_COLUMNS, rows)


def _miss_lines(misses: list[dict]) -> list[str]:
    if not misses:
        return ["None."]
    lines = []
    order = ("error", "forward_copy", "backward_copy", "memory", "training", "prelu_copy", "keras")
    for target in order:
        group = [m for m in misses if m["target"] == target]
        for marginal in (False, True):
            sub = [m for m in group if m["marginal"] == marginal]
            if not sub:
                continue
            title = {
                "error": "Errors", "forward_copy": "Forward over the copy target",
                "backward_copy": "Forward+backward over the copy target",
                "memory": "Training-step memory over 1.1x relu's",
                "training": "Credit-default training slower than 0.98x Keras's",
                "prelu_copy": "PReLU forward over 1.5x the copy",
                "keras": "Slower than Keras's built-in",
            }[target]
            if target == "keras":
                title += (" (marginal: ratio <= 1.05, lower quartile <= 1.0, or up to the kernel "
                          "control's upper quartile in that cell, within noise)"
                          if marginal else " (clear)")
            if target == "training":
                title += " (marginal: upper quartile >= 0.98, within noise)" if marginal else " (clear)"
            lines += [f"**{title}** ({len(sub)}):", ""]
            reverse = target != "training"
            sub = sorted(sub, key=lambda m: (m["value"] is None, m["value"] or 0), reverse=reverse)
            for m in sub:
                if target == "error":
                    lines.append(f"* {m['name']}, {m['where']}: {m['quartiles'][0]}: {m['quartiles'][1]}")
                    continue
                q = (f" (quartiles {_fmt(m['quartiles'][0])}-{_fmt(m['quartiles'][1])})"
                     if m["quartiles"] else "")
                lines.append(f"* {m['name']}, {m['where']}: {m['value']:.2f} (limit {m['limit']}){q}")
            lines.append("")
    return lines


def _same_program_lines(results: dict) -> list[str]:
    """The cells that read slower than Keras while running Keras's own program."""
    same = [c for c in results.get("kernels") or []
            if _slower_than_keras(c) and c.get("same_program")]
    if not same:
        return []
    lines = [f"**Read slower than Keras's built-in but run its own program: noise, not "
             f"misses** ({len(same)}): keras_acts's function traces to the same graph "
             "(tf.function), the same optimized HLO (XLA), or runs the same ops with the same "
             "graph (eager) as Keras's, so the two time the same work.", ""]
    for c in sorted(same, key=lambda c: -c["vs_keras"]["median"]):
        lines.append(f"* {c['name']}, {_where(c)}: {c['vs_keras']['median']:.2f} (quartiles "
                     f"{_fmt(c['vs_keras']['q1'])}-{_fmt(c['vs_keras']['q3'])})")
    return lines + [""]


# ----------------------------------------------------------------------------- driver


def run(config: Config, argv: Sequence[str] = ()) -> dict:
    """Run the selected stages; returns the JSON-able results (``misses`` included)."""
    start = time.perf_counter()
    names = list(config.names) or keras_acts.list_activations()
    results: dict[str, Any] = {
        "argv": list(argv),
        "machine": machine_info(),
        "code": code_version(),
        "config": {**dataclasses.asdict(config), "names": names},
    }
    log(f"benchmarking {len(names)} names, sizes {[format_size(n) for n in config.sizes]}, "
        f"stages {list(config.stages)}")
    if "small" in config.stages:
        results["small"] = bench_small(config, names)
    if "kernels" in config.stages:
        results["kernels"], results["kernel_control"] = bench_kernels(config, names)
    if "prelu" in config.stages:
        results["prelu"] = bench_prelu(config)
    if "memory" in config.stages:
        results["memory"] = bench_memory(config, names)
    if "training" in config.stages:
        rows = len(training_data(config)[0])
        results["training_rows"], results["training_steps"] = rows, rows // BATCH_SIZE
        results["training"] = bench_training(config, names)
    results["misses"] = evaluate(results)
    results["machine"]["load_average_end"] = _load_average()
    results["seconds"] = time.perf_counter() - start
    return results


def _names(text: str) -> tuple[str, ...]:
    if "(" in text or ")" in text:
        raise argparse.ArgumentTypeError(
            f"names only (each is timed with its default options), got {text!r}")
    if not text.replace(",", "").strip():
        raise argparse.ArgumentTypeError(f"no names given, got {text!r} (leave --names out for every name)")
    names = []
    for part in text.split(","):
        if part.strip():
            try:
                names.append(registry.spec(part.strip()).name)
            except ValueError as error:
                raise argparse.ArgumentTypeError(str(error)) from None
    return tuple(dict.fromkeys(names))


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(parse_size(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _choices(allowed: Sequence[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        chosen = tuple(p.strip() for p in text.split(",") if p.strip())
        unknown = [p for p in chosen if p not in allowed]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(
                f"choose from {', '.join(allowed)} (comma-separated), got {text!r}")
        return tuple(p for p in allowed if p in chosen)

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The benchmark's options (for this module's ``main`` and a ``keras-acts bench`` verb)."""
    from keras_acts.demo import seed_argument

    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: one tiny size, few repeats, tiny models (not for timings)")
    parser.add_argument("--sizes", type=_sizes, default=None,
                        help="element counts, comma-separated, e.g. 2^22,2^24 (default; --quick: 2^12)")
    parser.add_argument("--names", type=_names, default=(),
                        help="activation names, comma-separated (default: every keras_acts name)")
    parser.add_argument("--stages", type=_choices(STAGES), default=STAGES,
                        help=f"what to measure, comma-separated (default: {','.join(STAGES)})")
    parser.add_argument("--modes", type=_choices(MODES), default=MODES,
                        help=f"kernel modes (default: {','.join(MODES)})")
    parser.add_argument("--no-memory-keras", dest="memory_keras", action="store_false",
                        help="skip the memory of Keras's function of the same name (saves minutes)")
    parser.add_argument("--output", default=DEFAULT_OUTPUT,
                        help=f"the markdown report (default: {DEFAULT_OUTPUT})")
    parser.add_argument("--json", default=None, help="also write the raw results as JSON here")
    parser.add_argument("--seed", type=seed_argument, default=0, help="seed of inputs and models (default: 0)")
    parser.add_argument("--render", metavar="JSON", default=None,
                        help="measure nothing: write the report of results saved with --json")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    fields = dict(QUICK) if args.quick else {}
    if args.sizes:
        fields["sizes"] = args.sizes
    return Config(names=args.names, stages=args.stages, modes=args.modes,
                  memory_keras=args.memory_keras, seed=args.seed, **fields)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the benchmark, write the report; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="Benchmark keras_acts's activations against Keras's and the copy floor.",
    )
    add_arguments(parser)
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_from_args(parser.parse_args(argv), argv, parser.prog)


def _writable(path: str, option: str) -> str | None:
    """Why ``path`` cannot be written (its folder is made if missing), or None. Checked
    before measuring: a typo found after a run of 15-25 minutes would cost the run."""
    if os.path.isdir(path):
        return f"{option} must name a file, got a folder: {path}"
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        return f"cannot make the folder of {option} {path}: {error.strerror or error}"
    target = os.path.realpath(path)  # a link's target (a dangling link's too) is what is written
    existed = os.path.exists(target)
    try:  # opened as it will be (append: an existing file keeps its contents until then)
        with open(target, "a", encoding="utf-8"):
            pass
    except OSError as error:  # a folder not writable, a name too long, a special file system
        return f"cannot write {option} {path}: {error.strerror or error}"
    if not existed:
        os.remove(target)
    return None


def run_from_args(args: argparse.Namespace, argv: Sequence[str], prog: str = "keras-acts bench") -> int:
    """Run (or re-render) the benchmark for parsed ``args``; write the report. Paths that
    cannot be written or read give one line on stderr and status 2, before measuring."""
    for path, option in ((args.output, "--output"), (args.json, "--json")):
        problem = path and _writable(path, option)
        if problem:
            print(f"{prog}: error: {problem}", file=sys.stderr)
            return 2
    if args.render:
        try:
            with open(args.render, encoding="utf-8") as handle:
                results = json.load(handle)
        except (OSError, ValueError) as error:  # missing, a folder, not JSON
            print(f"{prog}: error: cannot read --render {args.render}: {error}", file=sys.stderr)
            return 2
        try:
            results["misses"] = evaluate(results)  # with this module's targets
            report = render_markdown(results)
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # JSON, but not ours
            print(f"{prog}: error: --render {args.render} is not a results file written with "
                  f"--json ({type(error).__name__}: {error})", file=sys.stderr)
            return 2
    else:
        results = run(config_from_args(args), list(argv))
        report = render_markdown(results)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1, default=str)
    clear = [m for m in results["misses"] if not m["marginal"]]
    log(f"wrote {args.output}: {len(results['misses'])} missed targets "
        f"({len(clear)} clear) in {results['seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
