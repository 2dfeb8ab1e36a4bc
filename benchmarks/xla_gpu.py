"""The XLA programs of keras_acts's and Keras's activations, timed where TensorFlow is not installed.

On a GPU, ``model.fit`` compiles the training step with XLA: what runs there is
the XLA program TensorFlow builds from each activation. This module carries
those programs to a machine that has a GPU and JAX but no TensorFlow (such as
this project's lent H200, which nothing can be installed on), and times them
there with the XLA that comes with JAX::

    python -m benchmarks.xla_gpu export --out benchmarks/xla_programs     # here: TensorFlow, keras_acts
    python3 benchmarks/xla_gpu.py run --programs benchmarks/xla_programs --json gpu.json  # there: JAX, NumPy
    python -m benchmarks.xla_gpu render gpu.json --output benchmarks/RESULTS_GPU.md

``export`` writes, for every name, size and direction (forward; forward and
backward), the HLO of ``tf.function(jit_compile=True)`` around keras_acts's
function, around Keras's function of the same name and around the copy
``y = x * s`` (the same functions as ``keras_acts.benchmarking``'s XLA mode),
and, at the smallest size, TensorFlow's own outputs at sampled positions for
deterministic inputs. ``run`` converts each HLO to StableHLO, compiles it for
the first JAX device, checks its outputs against TensorFlow's, and times
keras_acts, Keras and the copy side by side in paired, alternating rounds.
``render`` writes the markdown report.

The run step imports only NumPy, JAX and the standard library, so this file
runs as a script on its own.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROW = 1024  # the last dimension of every input, as in keras_acts.benchmarking
DIRECTIONS = ("forward", "backward")  # "backward" is forward + backward
DEFAULT_SIZES = (2**24, 2**28)
DEFAULT_PROGRAMS = os.path.join("benchmarks", "xla_programs")
DEFAULT_OUTPUT = os.path.join("benchmarks", "RESULTS_GPU.md")
MEMORY_STACK = (20, 1024, 1024)  # layers, width, batch: the CPU benchmark's Dense stack
SAMPLES = 4096  # output positions compared with TensorFlow's values per output
SCALE = 1.5  # the runtime scalar s of the copy y = x * s
# ||device - TensorFlow|| / ||TensorFlow|| over the sampled values; float32
# arithmetic with different exp/log/tanh implementations lands far below.
CHECK_TOLERANCE = 1e-5
MARGINAL = 1.05  # ratios to Keras up to this are reported as within noise
_PHI = 0.6180339887498949  # fractional parts of multiples of these spread evenly over [0, 1)
_PSI = 0.7548776662466927


def log(message: str) -> None:
    print(f"[xla_gpu] {message}", file=sys.stderr, flush=True)


# format_size, parse_size and median_ratio repeat keras_acts.benchmarking's: the run step
# must import without TensorFlow, which importing keras_acts would load.
def format_size(n: int) -> str:
    exponent = round(math.log2(n)) if n > 0 else 0
    return f"2^{exponent}" if 2**exponent == n else str(n)


def parse_size(text: str) -> int:
    text = text.strip()
    if text.startswith("2^"):
        return 2 ** int(text[2:])
    return int(text)


def deterministic_inputs(size: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` of shape ``[size / 1024, 1024]`` evenly over [-6, 6) and ``dy`` of shape
    ``[size / 1024, width]`` evenly over [-1, 1), float32, the same bit for bit
    on every machine (float64 products and exact fractional parts).

    >>> x, dy = deterministic_inputs(2048, 512)
    >>> x.shape, dy.shape, x.dtype
    ((2, 1024), (2, 512), dtype('float32'))
    >>> bool(x.min() >= -6 and x.max() < 6 and dy.min() >= -1 and dy.max() < 1)
    True
    """
    rows = size // ROW

    def spread(count, step, low, high):
        out = np.empty(count, dtype=np.float32)
        chunk = 2**22
        for start in range(0, count, chunk):
            i = np.arange(start, min(count, start + chunk), dtype=np.float64)
            out[start:start + len(i)] = low + (high - low) * np.modf((i + 0.5) * step)[0]
        return out

    return (spread(rows * ROW, _PHI, -6.0, 6.0).reshape(rows, ROW),
            spread(rows * width, _PSI, -1.0, 1.0).reshape(rows, width))


def sample_positions(count: int) -> np.ndarray:
    """``SAMPLES`` flat positions spread over ``count`` elements, the last one included."""
    return np.unique(np.linspace(0, count - 1, num=min(SAMPLES, count)).round().astype(np.int64))


def fingerprint(array: np.ndarray) -> dict:
    """What a device's output is checked against: values at sampled positions and whole sums."""
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    finite = flat[np.isfinite(flat)]
    return {
        "samples": flat[sample_positions(flat.size)].astype(np.float32),
        "sum": float(finite.sum()),
        "abs_sum": float(np.abs(finite).sum()),
        "nonfinite": int(flat.size - finite.size),
    }


def compare(array: np.ndarray, expected: dict) -> float:
    """The relative error of ``array`` against a :func:`fingerprint`: the larger of
    ||a - e|| / ||e|| over the samples and |sum(a) - sum(e)| / sum(|e|); inf
    where non-finite values differ in count or position.

    >>> compare(np.array([1.0, 2.0]), fingerprint(np.array([1.0, 2.0])))
    0.0
    >>> compare(np.array([1.0, np.nan]), fingerprint(np.array([1.0, 2.0])))
    inf
    """
    got = fingerprint(array)
    a, e = got["samples"].astype(np.float64), np.asarray(expected["samples"], dtype=np.float64)
    if got["nonfinite"] != expected["nonfinite"] or a.shape != e.shape:
        return math.inf
    a_bad, e_bad = ~np.isfinite(a), ~np.isfinite(e)
    if (a_bad != e_bad).any() or not np.array_equal(a[a_bad], e[e_bad], equal_nan=True):
        return math.inf
    a, e = a[~a_bad], e[~e_bad]
    norm = float(np.linalg.norm(e))
    sampled = float(np.linalg.norm(a - e)) / norm if norm > 0 else float(np.abs(a).max(initial=0.0))
    total = abs(got["sum"] - expected["sum"]) / expected["abs_sum"] if expected["abs_sum"] > 0 \
        else abs(got["sum"])
    return max(sampled, total)


def save_checks(out_dir: str, checks: dict[str, list[dict]]) -> None:
    """Fingerprints as ``checks.json`` (sums) and ``checks.npz`` (sampled values, float32)."""
    arrays, scalars = {}, {}
    for program_id, prints in checks.items():
        scalars[program_id] = [{k: v for k, v in p.items() if k != "samples"} for p in prints]
        arrays.update({f"{program_id}/{i}": p["samples"] for i, p in enumerate(prints)})
    np.savez_compressed(os.path.join(out_dir, "checks.npz"), **arrays)
    with open(os.path.join(out_dir, "checks.json"), "w", encoding="utf-8") as handle:
        json.dump(scalars, handle)


def load_checks(programs_dir: str) -> dict[str, list[dict]]:
    with open(os.path.join(programs_dir, "checks.json"), encoding="utf-8") as handle:
        scalars = json.load(handle)
    with np.load(os.path.join(programs_dir, "checks.npz")) as arrays:
        return {program_id: [{**p, "samples": arrays[f"{program_id}/{i}"]} for i, p in enumerate(prints)]
                for program_id, prints in scalars.items()}


def moved_bytes(shapes: list[list[int]], dtype_bytes: int = 4) -> int:
    """Bytes a pass must move at least: every input read once, every output written once."""
    return dtype_bytes * sum(math.prod(shape) for shape in shapes)


# ----------------------------------------------------------------------------- export (TensorFlow)


def export(out_dir: str, sizes=DEFAULT_SIZES, names=(), check_size: int | None = None) -> dict:
    """Write every program's HLO, the manifest and TensorFlow's check values to ``out_dir``,
    with the forms keras_acts traces for a GPU."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from keras_acts.activations import _base

    with _base.forms_for_gpu():
        return _export(out_dir, sizes, names, check_size)


def _export(out_dir: str, sizes, names, check_size: int | None) -> dict:
    import keras
    import tensorflow as tf

    import keras_acts
    from keras_acts import benchmarking as bench
    from keras_acts import registry

    names = [registry.spec(n).name for n in names] or keras_acts.list_activations()
    sizes = sorted(sizes)
    check_size = sizes[0] if check_size is None else check_size
    os.makedirs(out_dir, exist_ok=True)
    for stale in os.listdir(out_dir):
        if stale.endswith(".hlo.pb.gz"):
            os.remove(os.path.join(out_dir, stale))
    manifest = {
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "exporter": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__, "numpy": np.__version__},
        "code": bench.code_version(),
        "sizes": sizes,
        "check_size": check_size,
        "names": names,
        "programs": [],
    }
    checks: dict[str, list[dict]] = {}
    start = time.perf_counter()

    def add(program_id, fn, size, width, **fields):
        rows = size // ROW
        specs = (tf.TensorSpec([rows, ROW], tf.float32), tf.TensorSpec([rows, width], tf.float32),
                 tf.TensorSpec([], tf.float32))
        entry = {"id": program_id, "size": size, "width": width, **fields}
        try:
            hlo = fn.experimental_get_compiler_ir(*specs)(stage="hlo_serialized")
            entry["file"] = _write_hlo(out_dir, program_id, hlo)
            if size == check_size:
                x, dy = deterministic_inputs(size, width)
                outputs = fn(tf.constant(x), tf.constant(dy), tf.constant(SCALE, tf.float32))
                outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
                checks[program_id] = [fingerprint(o.numpy()) for o in outputs]
                entry["outputs"] = [list(o.shape) for o in outputs]
        except Exception as error:  # noqa: BLE001 - a program that fails is reported, not fatal
            entry["error"] = bench.describe(error)
        manifest["programs"].append(entry)

    layers, width, batch = MEMORY_STACK
    for name in ["relu"] + names:
        for impl, fn in (("ours", registry.spec(name).fn), ("keras", bench.keras_function(name))):
            if fn is None or (name == "relu" and impl == "ours"):
                continue
            entry = {"id": f"memory.{name}.{impl}", "name": name, "impl": impl, "memory": True}
            try:
                step, specs = _training_step(tf, fn, bench._output_width(fn), layers, width, batch)
                hlo = step.experimental_get_compiler_ir(*specs)(stage="hlo_serialized")
                entry["file"] = _write_hlo(out_dir, entry["id"], hlo)
            except Exception as error:  # noqa: BLE001
                entry["error"] = bench.describe(error)
            manifest["programs"].append(entry)
    log(f"exported the memory programs ({time.perf_counter() - start:.0f} s)")
    for size in sizes:
        for name in names:
            ours, theirs = registry.spec(name).fn, bench.keras_function(name)
            width = bench._output_width(ours)
            for impl, fn in (("ours", ours), ("keras", theirs)):
                if fn is None:
                    continue
                for direction in DIRECTIONS:
                    runner = bench._runner(bench._kernel(fn), "xla", direction)
                    add(f"{name}.{impl}.{direction}.{format_size(size)[2:]}", runner, size, width,
                        name=name, impl=impl, direction=direction)
            log(f"export {format_size(size)} {name} ({time.perf_counter() - start:.0f} s)")
        for direction in DIRECTIONS:  # the copy's dy is as wide as its output, x
            runner = bench._runner(bench._copy, "xla", direction)
            add(f"copy.{direction}.{format_size(size)[2:]}", runner, size, ROW,
                name=None, impl="copy", direction=direction)
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1)
    save_checks(out_dir, checks)
    failed = [p["id"] for p in manifest["programs"] if "error" in p]
    log(f"exported {len(manifest['programs'])} programs to {out_dir} "
        f"({len(failed)} failed) in {time.perf_counter() - start:.0f} s")
    return manifest


def _write_hlo(out_dir: str, program_id: str, hlo: bytes) -> str:
    name = f"{program_id}.hlo.pb.gz"  # HloModuleProto, gzipped (its metadata repeats a lot)
    with gzip.open(os.path.join(out_dir, name), "wb", compresslevel=6) as handle:
        handle.write(hlo)
    return name


def _training_step(tf, activation, out_width: int, layers: int, width: int, batch: int):
    """The gradients of a ``layers``-deep ``Dense(width)`` stack with ``activation``
    after each layer (MSE loss), as an XLA function of ``(x, y, W0, b0, W1, ...)``.

    The weights are arguments, so the program's buffers are exactly what one
    training step needs: the weights and batch, the activations kept for the
    backward pass, temporaries and the gradients."""
    def step(x, y, *weights):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            h = x
            for i in range(layers):
                h = activation(tf.matmul(h, weights[2 * i]) + weights[2 * i + 1])
            loss = tf.reduce_mean(tf.square(h - y))
        return (loss, *tape.gradient(loss, list(weights)))

    specs = [tf.TensorSpec([batch, width], tf.float32), tf.TensorSpec([batch, out_width], tf.float32)]
    for i in range(layers):
        specs += [tf.TensorSpec([width if i == 0 else out_width, width], tf.float32),
                  tf.TensorSpec([width], tf.float32)]
    return tf.function(step, jit_compile=True, autograph=False), specs


# ----------------------------------------------------------------------------- run (JAX)


class Device:
    """Compiles HLO with the XLA in JAX and runs it on JAX's first device."""

    def __init__(self):
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        import jax
        from jax._src.lib import xla_client

        self.jax, self.xc = jax, xla_client
        self.device = jax.devices()[0]
        self.client = self.device.client

    def info(self) -> dict:
        import jaxlib

        info = {"platform": self.device.platform, "device": self.device.device_kind,
                "jax": self.jax.__version__, "jaxlib": jaxlib.__version__,
                "python": platform.python_version(), "numpy": np.__version__,
                "host_cpus": os.cpu_count(), "host": platform.platform()}
        if self.device.platform == "gpu":
            try:
                query = "name,driver_version,memory.total,clocks.max.sm,clocks.max.mem"
                info["nvidia_smi"] = subprocess.run(
                    ["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader"],
                    capture_output=True, text=True, timeout=20).stdout.strip()
            except (OSError, subprocess.SubprocessError) as error:
                info["nvidia_smi"] = f"unavailable: {error}"
        return info

    def compile(self, hlo: bytes):
        """An executable for the device from a serialized HloModuleProto.

        jaxlib's own converter turns the HLO into StableHLO (what its compile
        entry points take); the older entry point ``compile`` is the fallback."""
        mlir = self.xc._xla.mlir
        if hasattr(mlir, "hlo_to_stablehlo"):
            module = mlir.hlo_to_stablehlo(hlo)
        else:
            module = mlir.xla_computation_to_mlir_module(self.xc.XlaComputation(hlo))
        options = self.xc.CompileOptions()
        if hasattr(self.client, "compile_and_load"):
            return self.client.compile_and_load(module, self.xc.DeviceList((self.device,)), options)
        return self.client.compile(module, options)

    @staticmethod
    def memory(executable) -> dict:
        """Bytes of a compiled program's buffers (XLA's buffer assignment, not a measurement)."""
        stats = executable.get_compiled_memory_stats()
        row = {key: int(getattr(stats, f"{key}_size_in_bytes"))
               for key in ("argument", "output", "temp", "alias", "generated_code")}
        row["peak"] = row["argument"] + row["output"] + row["temp"] - row["alias"]
        return row

    def put(self, array):
        return self.jax.device_put(array, self.device)

    @staticmethod
    def call(executable, args) -> list:
        if hasattr(executable, "execute"):
            return executable.execute(args)
        return [arrays[0] for arrays in
                executable.execute_sharded(args).disassemble_into_single_device_arrays()]

    @staticmethod
    def wait(outputs) -> None:
        for output in outputs:
            output.block_until_ready()


def _timed(device: Device, executable, args, calls: int) -> float:
    """Seconds per call of ``calls`` back-to-back calls (queued, then waited for)."""
    start = time.perf_counter()
    for _ in range(calls):
        outputs = device.call(executable, args)
    device.wait(outputs)
    return (time.perf_counter() - start) / calls


def paired_rounds(device: Device, runners: dict, args, rounds: int, round_s: float) -> dict:
    """Seconds per call of each runner, one sample per round, the order alternating.

    Each runner is called enough times per round to fill ``round_s`` (launches
    are queued, so the device, not Python, sets the pace)."""
    calls = {}
    for key, executable in runners.items():
        _timed(device, executable, args[key], 2)  # warm-up: first-call allocations
        calls[key] = max(1, min(1000, math.ceil(round_s / _timed(device, executable, args[key], 1))))
    times = {key: [] for key in runners}
    keys = list(runners)
    for i in range(rounds):
        for key in keys if i % 2 == 0 else keys[::-1]:
            times[key].append(_timed(device, runners[key], args[key], calls[key]))
    return {"times": times, "calls": calls}


def _preflight(device: Device, programs_dir: str, manifest: dict, checks: dict) -> None:
    """Compile, run and check the first copy program, or stop with what this jaxlib offers."""
    program = next(p for p in manifest["programs"] if p.get("impl") == "copy" and p["id"] in checks)
    try:
        with gzip.open(os.path.join(programs_dir, program["file"]), "rb") as handle:
            executable = device.compile(handle.read())
        x, dy = deterministic_inputs(program["size"], program["width"])
        outputs = device.call(executable, [device.put(x), device.put(dy), device.put(np.float32(SCALE))])
        error = max(compare(np.asarray(o), c) for o, c in zip(outputs, checks[program["id"]]))
    except Exception as failure:
        mlir = device.xc._xla.mlir
        raise RuntimeError(
            f"this jaxlib cannot run the exported HLO ({type(failure).__name__}: {failure}); "
            f"xla_client._xla.mlir has {[n for n in dir(mlir) if not n.startswith('_')]}, "
            f"the client {[n for n in dir(device.client) if 'compile' in n]}") from failure
    if not error <= CHECK_TOLERANCE:
        raise RuntimeError(f"{program['id']}: outputs off TensorFlow's by {error}")
    log(f"preflight {program['id']}: compiled, ran, checked (error {error:.1e})")


def median_ratio(numerators, denominators) -> dict:
    """The median and quartiles of the pairwise ratios.

    >>> median_ratio([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])["median"]
    3.0
    """
    ratios = sorted(a / b for a, b in zip(numerators, denominators))
    if not ratios:
        return {"median": None, "q1": None, "q3": None, "n": 0}
    q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive") if len(ratios) > 1 \
        else (ratios[0], None, ratios[0])
    return {"median": statistics.median(ratios), "q1": q1, "q3": q3, "n": len(ratios)}


def run(programs_dir: str, rounds: int = 15, round_s: float = 2e-3, names=(), sizes=(),
        partial_json: str | None = None) -> dict:
    """Check and time every exported cell on JAX's first device; the JSON-able results."""
    with open(os.path.join(programs_dir, "manifest.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    checks = load_checks(programs_dir)
    start = time.perf_counter()
    device = Device()
    results = {"manifest": {k: v for k, v in manifest.items() if k != "programs"},
               "device": device.info(), "rounds": rounds, "round_s": round_s,
               "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "cells": [], "errors": {}, "copy_dy": "full"}
    log(f"device {results['device']}")
    programs = {p["id"]: p for p in manifest["programs"]}
    _preflight(device, programs_dir, manifest, checks)
    compiled: dict[str, object] = {}

    def load(program_id):
        if program_id not in compiled:
            program = programs.get(program_id)
            if program is None or "file" not in program:
                compiled[program_id] = None
                if program is not None:
                    results["errors"][program_id] = program.get("error", "not exported")
            else:
                try:
                    with gzip.open(os.path.join(programs_dir, program["file"]), "rb") as handle:
                        compiled[program_id] = device.compile(handle.read())
                except Exception as error:  # noqa: BLE001 - reported per program
                    compiled[program_id] = None
                    results["errors"][program_id] = f"{type(error).__name__}: {str(error)[:300]}"
        return compiled[program_id]

    wanted_names = list(names) or manifest["names"]
    results["memory"] = []
    for program in manifest["programs"]:
        if program.get("memory") and program["name"] in ["relu"] + wanted_names:
            executable = load(program["id"])
            if executable is not None:
                row = {"name": program["name"], "impl": program["impl"], **device.memory(executable)}
                compiled.pop(program["id"])
                results["memory"].append(row)
    log(f"memory of {len(results['memory'])} training steps ({time.perf_counter() - start:.0f} s)")
    for size in sizes or manifest["sizes"]:
        tag = format_size(size)[2:]
        inputs = {}
        for name in wanted_names:
            for direction in DIRECTIONS:
                ours_id = f"{name}.ours.{direction}.{tag}"
                if ours_id not in programs:
                    continue
                width = programs[ours_id]["width"]
                widths = {"ours": width, "keras": width, "copy": ROW}
                for w in {width, ROW} - set(inputs):
                    x, dy = deterministic_inputs(size, w)
                    inputs[w] = [device.put(x), device.put(dy), device.put(np.float32(SCALE))]
                ids = {"ours": ours_id, "keras": f"{name}.keras.{direction}.{tag}",
                       "copy": f"copy.{direction}.{tag}"}
                runners = {k: load(i) for k, i in ids.items()}
                runners = {k: v for k, v in runners.items() if v is not None}
                cell = {"name": name, "size": size, "direction": direction, "width": width,
                        "check": {}}
                for key, executable in runners.items():
                    try:
                        outputs = device.call(executable, inputs[widths[key]])
                        device.wait(outputs)
                        if ids[key] in checks:
                            cell["check"][key] = max(compare(np.asarray(o), c) for o, c in
                                                     zip(outputs, checks[ids[key]]))
                        cell.setdefault("shapes", {})[key] = [list(o.shape) for o in outputs]
                        del outputs
                    except Exception as error:  # noqa: BLE001 - reported per program
                        results["errors"][ids[key]] = f"{type(error).__name__}: {str(error)[:300]}"
                runners = {k: v for k, v in runners.items() if ids[k] not in results["errors"]}
                if "ours" in runners and "copy" in runners:
                    args = {k: inputs[widths[k]] for k in runners}
                    timed = paired_rounds(device, runners, args, rounds, round_s)
                    times = timed["times"]
                    cell["calls"] = timed["calls"]
                    cell["ms"] = {k: statistics.median(v) * 1e3 for k, v in times.items()}
                    cell["vs_copy"] = median_ratio(times["ours"], times["copy"])
                    if "keras" in times:
                        cell["vs_keras"] = median_ratio(times["ours"], times["keras"])
                        cell["keras_vs_copy"] = median_ratio(times["keras"], times["copy"])
                    cell["bytes"] = {k: moved_bytes(
                        [[size // ROW, ROW]] + ([[size // ROW, widths[k]]] if direction == "backward" else [])
                        + cell["shapes"][k]) for k in runners}
                    cell["gbps"] = {k: cell["bytes"][k] / (cell["ms"][k] * 1e6) for k in runners}
                    # Throughput as a fraction of the copy's bandwidth, paired per round.
                    cell["of_copy_bandwidth"] = {
                        k: median_ratio([cell["bytes"][k] / t for t in times[k]],
                                        [cell["bytes"]["copy"] / t for t in times["copy"]])
                        for k in runners if k != "copy"}
                results["cells"].append(cell)
                log(f"{format_size(size)} {name} {direction}: "
                    + ", ".join(f"{k} {v:.3f} ms" for k, v in cell.get("ms", {}).items())
                    + f" check {cell['check']}")
            if partial_json:
                _write_json(results, partial_json)
        del inputs
    results["seconds"] = time.perf_counter() - start
    results["imported_tensorflow"] = "tensorflow" in sys.modules
    return results


def _write_json(results: dict, path: str) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1, default=str)
    os.replace(path + ".tmp", path)


# ----------------------------------------------------------------------------- render


def _fmt(value, digits=2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _direction(cell: dict) -> str:
    return "fwd" if cell["direction"] == "forward" else "fwd+bwd"


def _memory_lines(rows: list[dict]) -> list[str]:
    relu = next((r for r in rows if r["name"] == "relu" and r["impl"] == "keras"), None)
    if relu is None:
        return []
    layers, width, batch = MEMORY_STACK
    by_name: dict[str, dict] = {}
    for row in rows:
        by_name.setdefault(row["name"], {})[row["impl"]] = row
    lines = [
        "## Training-step memory (XLA's buffer assignment)", "",
        f"The gradients of a {layers}-layer `Dense({width})` stack with the activation after each",
        f"layer, batch {batch}, MSE loss, weights as arguments: XLA's buffers for the compiled",
        "program (arguments + outputs + temporaries), read from the compiled executable, as a",
        "ratio to the same program with Keras's `relu`. Temporaries are what the forward pass",
        "keeps for the backward pass and the scratch space.", "",
        "| name | keras_acts / relu | Keras / relu | keras_acts temporaries MiB | Keras temporaries MiB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, impls in sorted(by_name.items()):
        ours, theirs = impls.get("ours"), impls.get("keras")
        lines.append("| " + " | ".join([
            name,
            _fmt(ours["peak"] / relu["peak"] if ours else None),
            _fmt(theirs["peak"] / relu["peak"] if theirs else None),
            _fmt(ours["temp"] / 2**20 if ours else None, 0),
            _fmt(theirs["temp"] / 2**20 if theirs else None, 0),
        ]) + " |")
    return lines + [""]


def render_markdown(results: dict) -> str:
    """The report of a :func:`run`."""
    device, manifest = results["device"], results["manifest"]
    exporter, code = manifest["exporter"], manifest["code"]
    cells = results["cells"]
    lines = [
        "# keras_acts on a GPU: XLA programs",
        "",
        f"Measured on {results['started']} ({results.get('seconds', 0) / 60:.1f} minutes) by "
        "`python3 benchmarks/xla_gpu.py run`; programs exported on "
        f"{manifest['created']} by `python -m benchmarks.xla_gpu export`.",
        "",
        f"* Device: {device['device']} ({device['platform']})"
        + (f"; nvidia-smi: {device['nvidia_smi']}" if device.get("nvidia_smi") else "")
        + f"; host: {device['host_cpus']} CPUs, {device['host']}.",
        f"* Run with: Python {device['python']}, JAX {device['jax']}, jaxlib {device['jaxlib']} "
        f"(its XLA compiled every program), NumPy {device['numpy']}.",
        f"* Exported with: Python {exporter['python']}, TensorFlow {exporter['tensorflow']}, "
        f"Keras {exporter['keras']}; keras_acts at commit {code.get('commit', 'n/a')}.",
        "",
        "## Method",
        "",
        "TensorFlow with CUDA cannot be installed on the lent GPU machine (no network; the",
        "wheels are gigabytes). What runs on a GPU under `model.fit` is XLA's code (Keras",
        "compiles the training step with XLA there), so the benchmark carries that code:",
        "`export` writes the HLO that TensorFlow builds for `tf.function(jit_compile=True)` around",
        "keras_acts's function, around Keras's function of the same name, and around the copy",
        "`y = x * s` (`s` a runtime scalar; forward+backward: `x * s` and `dy * s`), the same",
        "functions as the CPU benchmark's XLA mode; `run` converts each to StableHLO and compiles",
        "it with the XLA in JAX for the GPU. TensorFlow's own XLA is an older version of the same",
        "compiler, so a GPU build of TensorFlow may fuse differently.",
        "",
        "* Inputs: float32 `[N / 1024, 1024]`, `x` spread evenly over [-6, 6), the upstream",
        "  gradient `dy` over [-1, 1) (the gated units' `dy` is half as wide, like their output;",
        *(["  the copy's is as wide as its own output, `x`)."] if results.get("copy_dy") == "full" else
          ["  in this run the copy's was too, beside theirs: its forward+backward wrote a gradient",
           "  half as wide as `x`, half their work; the fractions of the copy's bandwidth count",
           "  the bytes each moved)."]),
        f"* Check: before timing, every program's outputs at {SAMPLES} positions and their sums are",
        "  compared with TensorFlow's outputs of the same program on the CPU (at the smallest",
        "  size), as ||device - TensorFlow|| / ||TensorFlow||; the `check` column is the larger of",
        "  keras_acts's and Keras's errors (inf: non-finite values differ).",
        "* Times: each runner (keras_acts, Keras, copy) is called twice to warm up, then",
        f"  {results['rounds']} rounds; in a round each runner is called back to back enough times",
        f"  to fill {results['round_s'] * 1e3:.0f} ms (launches queued, then waited for), the",
        "  order alternating between rounds; a ratio per round, the median of the ratios.",
        "* Bandwidth: bytes a pass must move (each input read once, each output written once)",
        "  over its time; `of copy bandwidth` is that throughput as a fraction of the copy's,",
        "  measured in the same rounds (1.00: as fast as memory allows).",
        "* Noise: a pass over 2^24 elements takes tens of microseconds, about what the host",
        "  spends launching it, so ratios at that size swing by up to 20% (relu, whose program",
        "  is Keras's, shows how much); 2^28 elements (1 GiB per tensor) is the size to read.",
        "",
    ]
    copies = {}
    for cell in cells:
        if "ms" in cell:
            copies.setdefault((cell["size"], cell["direction"]), []).append(cell["gbps"]["copy"])
    if copies:
        lines += ["## Copy bandwidth", "", "| size | direction | copy GB/s (median over cells) |",
                  "| --- | --- | --- |"]
        for (size, direction), values in sorted(copies.items()):
            lines.append(f"| {format_size(size)} | {direction} | {statistics.median(values):.0f} |")
        lines.append("")
    compared = [c for c in cells if (c.get("vs_keras") or {}).get("median") is not None]
    slower = [c for c in compared if c["vs_keras"]["median"] > MARGINAL]
    marginal = [c for c in compared if 1.0 < c["vs_keras"]["median"] <= MARGINAL]
    failed = [c for c in cells if any(v > CHECK_TOLERANCE for v in c["check"].values())]
    lines += ["## Summary", ""]
    lines.append(f"* {len(cells)} cells, {len(compared)} of them beside Keras's function of the "
                 f"same name; within {MARGINAL - 1:.0%} of Keras (noise) in {len(marginal)}.")
    for size in sorted({c["size"] for c in slower}, reverse=True):
        here = [c for c in slower if c["size"] == size]
        lines.append(f"* {format_size(size)}: keras_acts slower than Keras by more than "
                     f"{MARGINAL - 1:.0%} (median ratio) in {len(here)}: " + ", ".join(
                         f"{c['name']} {_direction(c)} {c['vs_keras']['median']:.2f}" for c in here) + ".")
    lines.append(f"* Outputs off TensorFlow's by more than {CHECK_TOLERANCE:g}: "
                 + (", ".join(f"{c['name']} {_direction(c)} {c['check']}" for c in failed) or "none")
                 + ".")
    if results["errors"]:
        lines.append("* Programs that failed: " + "; ".join(
            f"`{k}`: {v}" for k, v in sorted(results["errors"].items())) + ".")
    lines.append("")
    lines += _memory_lines(results.get("memory") or [])
    columns = ("name", "direction", "keras_acts / Keras", "keras_acts / copy", "Keras / copy",
               "keras_acts GB/s", "of copy bandwidth: keras_acts", "Keras", "check")
    for size in sorted({c["size"] for c in cells}):
        lines += [f"## {format_size(size)} elements, [{size // ROW}, {ROW}] float32", "",
                  "| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
        for cell in (c for c in cells if c["size"] == size):
            fraction = cell.get("of_copy_bandwidth", {})
            worst = max(cell["check"].values(), default=None)
            lines.append("| " + " | ".join([
                cell["name"], _direction(cell),
                _fmt((cell.get("vs_keras") or {}).get("median")),
                _fmt((cell.get("vs_copy") or {}).get("median")),
                _fmt((cell.get("keras_vs_copy") or {}).get("median")),
                _fmt(cell.get("gbps", {}).get("ours"), 0),
                _fmt(fraction.get("ours", {}).get("median")),
                _fmt(fraction.get("keras", {}).get("median")),
                "n/a" if worst is None else f"{worst:.1e}",
            ]) + " |")
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/xla_gpu.py", description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser("export", help="write the HLO programs (needs TensorFlow and keras_acts)")
    p.add_argument("--out", default=DEFAULT_PROGRAMS)
    p.add_argument("--sizes", default=",".join(format_size(s) for s in DEFAULT_SIZES))
    p.add_argument("--names", default="", help="comma-separated (default: every keras_acts name)")
    p = verbs.add_parser("run", help="check and time the programs on JAX's first device")
    p.add_argument("--programs", default=DEFAULT_PROGRAMS)
    p.add_argument("--json", required=True, help="the results, written after every name")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--round-ms", type=float, default=2.0)
    p.add_argument("--names", default="")
    p.add_argument("--sizes", default="")
    p = verbs.add_parser("render", help="write the markdown report of a run's JSON")
    p.add_argument("json")
    p.add_argument("--output", default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    split = lambda text: [part.strip() for part in text.split(",") if part.strip()]  # noqa: E731
    if args.verb == "export":
        export(args.out, [parse_size(s) for s in split(args.sizes)], split(args.names))
    elif args.verb == "run":
        results = run(args.programs, args.rounds, args.round_ms / 1e3, split(args.names),
                      [parse_size(s) for s in split(args.sizes)], partial_json=args.json)
        _write_json(results, args.json)
        log(f"wrote {args.json}: {len(results['cells'])} cells, {len(results['errors'])} errors, "
            f"{results['seconds']:.0f} s")
    else:
        with open(args.json, encoding="utf-8") as handle:
            report = render_markdown(json.load(handle))
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report + "\n")
        log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
