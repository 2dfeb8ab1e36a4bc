"""The ``keras-acts`` command line (also ``python -m keras_acts``).

Usage::

    keras-acts list [--format {text,markdown}]
    keras-acts show NAME [--at X [X ...]]
    keras-acts plot NAME [NAME ...] --output FILE.png [--x-min X] [--x-max X]
                    [--no-derivative] [--num N] [--ncols N]
    keras-acts demo [--epochs N] [--activation NAME] [--seed S] [--verbose {0,1,2}]
    keras-acts bench [--quick] [--names N,...] [--sizes S,...] [--stages ...] [--output FILE]

Each verb is one entry of :data:`COMMANDS`: a function that adds the verb's
subparser and options, and a handler that takes the parsed options and the
program name (``"keras-acts plot"``) and returns the exit status. To add a
verb, write those two functions and add a :class:`Command` to the table.

Errors a user can fix (an unknown activation name, say) print one line on
stderr and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import inspect
import math
import pathlib
import re
import sys
from typing import Callable, NamedTuple

__all__ = ["COMMANDS", "LEARNABLE_LAYERS", "build_parser", "learnable_layer", "main"]

PROG = "keras-acts"

LEARNABLE_LAYERS = {"relu": "PReLU", "leaky_relu": "PReLU", "elu": "PELU"}
"""Activation name -> the keras_acts layer that learns it, where the names differ."""

_STATELESS_LAYERS = frozenset({"Activation", "LeakyReLU"})  # used if layers.LEARNABLE is missing

SHOW_POINTS = (-3.0, -1.0, 0.0, 1.0, 3.0)


class Command(NamedTuple):
    """One verb of the command line."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], object]
    handler: Callable[[argparse.Namespace, str], int]


class UserError(Exception):
    """A mistake in the command line the user can fix: one line on stderr, status 2."""


def _error(prog: str, message: object, status: int = 2) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return status


def _resolve(name: str):
    """The activation function for a name, or UserError with the closest names."""
    import keras_acts

    try:
        return keras_acts.get(name)
    except (ValueError, TypeError) as error:  # a misspelt name, an option of the wrong type
        raise UserError(error) from None


# --- list ---------------------------------------------------------------------------------


def learnable_layer(name: str) -> str | None:
    """The keras_acts layer that learns activation ``name``, or None.

    A layer counts when :data:`LEARNABLE_LAYERS` maps the name to it, or when
    a learnable layer of ``keras_acts.layers`` is named like the activation
    or one of its aliases in CamelCase, compared without case or underscores
    (``"snake"`` -> ``Snake``, ``silu``'s alias ``"swish"`` -> ``Swish``).
    Learnable layers are those listed in ``keras_acts.layers.LEARNABLE``
    (without that list: every layer class but ``Activation`` and ``LeakyReLU``).

    >>> learnable_layer("leaky_relu"), learnable_layer("lisht")
    ('PReLU', None)
    """
    import keras

    from keras_acts import layers, registry

    declared = getattr(layers, "LEARNABLE", None)

    def learnable(attribute: str) -> bool:
        found = getattr(layers, attribute, None)
        if not (isinstance(found, type) and issubclass(found, keras.layers.Layer)):
            return False
        return attribute in declared if declared is not None else attribute not in _STATELESS_LAYERS

    mapped = LEARNABLE_LAYERS.get(name)
    if mapped and learnable(mapped):
        return mapped
    try:
        names = registry.spec(name).names
    except ValueError:
        names = (name,)
    keys = {n.replace("_", "").replace("-", "").lower() for n in names}
    for attribute in sorted(dir(layers)):
        if attribute.lower() in keys and learnable(attribute):
            return attribute
    return None


def parameters(fn: Callable) -> list[str]:
    """The options of an activation, ``name=default``, without the input ``x``.

    >>> import keras_acts
    >>> parameters(keras_acts.get("elu"))
    ['alpha=1.0']
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    shown = []
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            stars = "*" if parameter.kind == parameter.VAR_POSITIONAL else "**"
            shown.append(stars + parameter.name)
        elif parameter.default is parameter.empty:
            shown.append(parameter.name)
        else:
            shown.append(f"{parameter.name}={parameter.default!r}")
    return shown


def _plain(text: str) -> str:
    """Docstring markup as Markdown code: ``:func:`f``` and double backticks -> single backticks.

    >>> _plain("GELU: ``x * Phi(x)``; see :func:`gelu_tanh`.")
    'GELU: `x * Phi(x)`; see `gelu_tanh`.'
    """
    return re.sub(r":\w+:`([^`]+)`", r"`\1`", text).replace("``", "`")


def activation_rows() -> list[dict[str, str]]:
    """One row per registered activation: the columns of ``keras-acts list``."""
    from keras_acts import registry

    return [
        {
            "name": spec.name,
            "aliases": ", ".join(spec.aliases),
            "formula": _plain(spec.summary),
            "parameters": ", ".join(parameters(spec.fn)),
            "layer": learnable_layer(spec.name) or "",
            "reference": spec.reference,
        }
        for spec in registry.specs()
    ]


_COLUMNS = ("name", "aliases", "formula", "parameters", "layer", "reference")


def format_table(rows: list[dict[str, str]], fmt: str = "text") -> str:
    """The rows as an aligned text table or a Markdown table.

    >>> print(format_table([{"name": "relu", "aliases": "", "formula": "max(x, 0)",
    ...     "parameters": "", "layer": "PReLU", "reference": "Nair & Hinton 2010"}], "markdown"))
    | name | aliases | formula | parameters | layer | reference |
    | --- | --- | --- | --- | --- | --- |
    | relu |  | max(x, 0) |  | PReLU | Nair & Hinton 2010 |
    """
    if fmt == "markdown":
        lines = ["| " + " | ".join(_COLUMNS) + " |", "|" + " --- |" * len(_COLUMNS)]
        for row in rows:
            lines.append("| " + " | ".join(row[c].replace("|", "\\|") for c in _COLUMNS) + " |")
        return "\n".join(lines)
    widths = {c: max([len(c)] + [len(row[c]) for row in rows]) for c in _COLUMNS}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in _COLUMNS).rstrip()]
    lines.append("  ".join("-" * widths[c] for c in _COLUMNS))
    for row in rows:
        lines.append("  ".join(row[c].ljust(widths[c]) for c in _COLUMNS).rstrip())
    return "\n".join(lines)


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "markdown"), default="text",
        help="an aligned text table (default) or a Markdown table",
    )


def _list(args: argparse.Namespace, prog: str) -> int:
    rows = activation_rows()
    print(format_table(rows, args.format))
    if args.format == "text":
        print(f"\n{len(rows)} activations. 'keras-acts show NAME' prints one in full.")
    return 0


# --- show ---------------------------------------------------------------------------------


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="an activation name, alias or 'name(options)'")
    parser.add_argument(
        "--at", metavar="X", type=float, nargs="+", default=list(SHOW_POINTS),
        help="points to evaluate at (default: -3 -1 0 1 3)",
    )


def _show(args: argparse.Namespace, prog: str) -> int:
    from keras_acts import registry
    from keras_acts.plot import evaluate, kind_of

    fn = _resolve(args.name)
    found = registry.spec_of(fn)
    if found is None and isinstance(fn, registry.ConfiguredActivation):
        found = registry.spec(fn.activation)
    try:  # before anything is printed: an option the inputs cannot take ("softmax(axis=5)")
        y, dy = evaluate(fn, args.at, dtype="float64")
    except ValueError as error:
        raise UserError(error) from None
    title = getattr(fn, "__name__", args.name)
    print(title)
    print("=" * len(title))
    if found is not None:
        if found.aliases:
            print(f"aliases:    {', '.join(found.aliases)}")
        print(f"family:     {found.family}")
        if found.reference:
            print(f"reference:  {found.reference}")
        if found.summary:  # a user's function may have no docstring
            print(f"formula:    {_plain(found.summary)}")
        layer = learnable_layer(found.name)
        if layer:
            print(f"layer:      keras_acts.layers.{layer} (learnable)")
    else:
        print("(Keras's own function)")
    shown = parameters(found.fn if found is not None else fn)
    if isinstance(fn, registry.ConfiguredActivation):  # the values given, not the defaults
        given = {key: f"{key}={value!r}" for key, value in fn.options.items()}
        shown = [given.get(p.split("=")[0], p) for p in shown]
    print(f"parameters: {', '.join(shown) if shown else '(none)'}")
    print()
    print(inspect.getdoc(found.fn if found is not None else fn) or "(no docstring)")
    print()

    kind = kind_of(fn)
    note = {
        "axis": " (first output for the input [x, 0])",
        "gated": " (output for the input [x, x])",
    }.get(kind, "")
    print(f"Values in float64{note}, derivative by tf.GradientTape:")
    rows = [("x", "f(x)", "f'(x)")] + [
        (repr(float(x)), repr(float(v)), repr(float(d))) for x, v, d in zip(args.at, y, dy)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths)))
    return 0


# --- plot ---------------------------------------------------------------------------------


def _plot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", metavar="NAME", nargs="+", help="activation names to plot")
    parser.add_argument(
        "--output", "-o", required=True, type=pathlib.Path, metavar="FILE",
        help="image file to write; the format follows the suffix (.png, .svg, .pdf)",
    )
    parser.add_argument(
        "--x-min", type=float, default=-10.0,
        help="left end of x (default: -10)",
    )
    parser.add_argument("--x-max", type=float, default=10.0, help="right end of x (default: 10)")
    parser.add_argument(
        "--no-derivative", dest="derivative", action="store_false",
        help="draw the functions only, without their derivatives",
    )
    parser.add_argument("--num", type=int, default=401, help="points on the x grid (default: 401)")
    parser.add_argument(
        "--ncols", type=int, default=None, help="columns of the grid (default: up to 3)"
    )
    parser.add_argument(
        "--dpi", type=int, default=100, help="resolution of raster images (default: 100)"
    )


def _plot(args: argparse.Namespace, prog: str) -> int:
    from keras_acts.plot import plot

    for name in args.names:
        _resolve(name)  # every name checked before anything is computed
    if not (math.isfinite(args.x_min) and math.isfinite(args.x_max)):
        raise UserError(f"--x-min and --x-max must be finite, got {args.x_min} and {args.x_max}")
    if not args.x_min < args.x_max:
        raise UserError(f"--x-min ({args.x_min}) must be less than --x-max ({args.x_max})")
    if not math.isfinite(args.x_max - args.x_min):
        raise UserError(f"--x-min ({args.x_min}) and --x-max ({args.x_max}) are too far apart: "
                        "their difference overflows")
    if args.num < 2 or (args.ncols is not None and args.ncols < 1):
        raise UserError("--num must be at least 2 and --ncols at least 1")
    _check_output(args.output)
    try:
        figure = plot(
            args.names,
            x_range=(args.x_min, args.x_max),
            derivative=args.derivative,
            num=args.num,
            ncols=args.ncols,
        )
    except ImportError as error:
        return _error(prog, error, status=1)
    except ValueError as error:  # a range too wide, an option the inputs cannot take
        raise UserError(error) from None
    try:
        figure.savefig(args.output, dpi=args.dpi)
    except (ValueError, OSError) as error:  # an unsupported suffix, a file that cannot be written
        raise UserError(f"could not write {args.output}: {error}") from None
    print(f"Wrote {args.output} ({', '.join(args.names)}, x from {args.x_min:g} to {args.x_max:g})")
    return 0


def _check_output(path: pathlib.Path) -> None:
    """A UserError unless ``path`` names a file to write, with a suffix, in an existing
    folder: matplotlib would add ".png" to a name without one (and write ".png" for "")."""
    if str(path) in ("", ".") or path.is_dir():
        raise UserError(f"--output must name a file, got a folder: {str(path) or repr('')}")
    if not path.suffix:
        raise UserError(f"--output needs a suffix that names the format (.png, .svg, .pdf), got {path}")
    if not path.parent.is_dir():
        raise UserError(f"the folder of --output does not exist: {path.parent}")


# --- demo ---------------------------------------------------------------------------------


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    from keras_acts import demo

    demo.add_arguments(parser)


def _demo(args: argparse.Namespace, prog: str) -> int:
    from keras_acts import demo

    return demo.run_from_args(args, prog)


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    from keras_acts import benchmarking

    benchmarking.add_arguments(parser)


def _bench(args: argparse.Namespace, prog: str) -> int:
    from keras_acts import benchmarking

    argv = args.argv[1:] if args.argv[:1] == ["bench"] else args.argv  # the options, not the verb
    return benchmarking.run_from_args(args, argv, prog)


COMMANDS: tuple[Command, ...] = (
    Command(
        "list",
        "list every activation: aliases, formula, parameters, learnable layer, reference",
        _list_arguments,
        _list,
    ),
    Command(
        "show",
        "show one activation: its documentation and its values at a few points",
        _show_arguments,
        _show,
    ),
    Command(
        "plot",
        "plot activations and their derivatives to an image file",
        _plot_arguments,
        _plot,
    ),
    Command(
        "bench",
        "benchmark speed and memory against Keras's built-ins and the copy floor",
        _bench_arguments,
        _bench,
    ),
    Command(
        "demo",
        "train small Keras models with keras_acts activations on the credit-default data",
        _demo_arguments,
        _demo,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``keras-acts``, one subparser per verb.

    >>> args = build_parser().parse_args(["demo", "--epochs", "3", "--activation", "lisht"])
    >>> args.command, args.epochs, args.activation
    ('demo', 3, 'lisht')
    >>> args = build_parser().parse_args(["plot", "relu", "gelu", "-o", "a.png", "--x-min", "-3"])
    >>> args.names, str(args.output), args.x_min, args.derivative
    (['relu', 'gelu'], 'a.png', -3.0, True)
    """
    from keras_acts import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="keras_acts: activation functions and layers for Keras 3.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = verbs.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(sub)
        sub.set_defaults(handler=command.handler, prog=sub.prog)
    return parser


_FLOAT_OPTIONS = {"--at": None, "--x-min": 1, "--x-max": 1}  # how many values each takes (None: any)


def _as_values(argv: list[str]) -> list[str]:
    """``argv`` with a space before each negative number that follows an option taking
    floats, where argparse would take it for an option (``-1e3``, ``-inf``: it knows only
    forms like ``-1`` and ``-1.5``). ``float`` reads it the same, so no message shows it.

    >>> _as_values(["show", "relu", "--at", "-1e3", "-inf", "2", "--x-min", "-5"])
    ['show', 'relu', '--at', ' -1e3', ' -inf', '2', '--x-min', '-5']
    """
    out, left = [], 0
    for word in argv:
        if left and _negative_number(word):
            out.append(" " + word)
            left -= 1
            continue
        matches = [o for o in _FLOAT_OPTIONS if len(word) > 2 and o.startswith(word)]
        left = (_FLOAT_OPTIONS[matches[0]] or len(argv)) if len(matches) == 1 else (
            left - 1 if left and not word.startswith("-") else 0)
        out.append(word)
    return out


def _negative_number(word: str) -> bool:
    """A negative number that argparse would take for an option."""
    if not word.startswith("-") or re.fullmatch(r"-\d+|-\d*\.\d+", word):
        return False
    try:
        float(word)
    except ValueError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Run ``keras-acts`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    given = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_as_values(given))
    args.argv = given  # what `bench` records
    try:
        return args.handler(args, args.prog)
    except UserError as error:
        return _error(args.prog, error)


if __name__ == "__main__":
    sys.exit(main())
