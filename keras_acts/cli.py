"""The ``keras-acts`` command line (also ``python -m keras_acts``).

Usage::

    keras-acts demo [--epochs N] [--activation NAME] [--seed S] [--verbose {0,1,2}]

Each verb is one entry of :data:`COMMANDS`: a function that adds the verb's
subparser and options, and a handler that takes the parsed options and returns
the exit status. To add a verb (``list``, ``show``, ``plot``, ``bench``, ...),
write those two functions and add them to the table.

Errors a user can fix (an unknown activation name, say) print one line on
stderr and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, NamedTuple

__all__ = ["COMMANDS", "build_parser", "main"]

PROG = "keras-acts"


class Command(NamedTuple):
    """One verb of the command line."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], object]
    handler: Callable[[argparse.Namespace, str], int]


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    from keras_acts import demo

    demo.add_arguments(parser)


def _demo(args: argparse.Namespace, prog: str) -> int:
    from keras_acts import demo

    return demo.run_from_args(args, prog)


COMMANDS: tuple[Command, ...] = (
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


def main(argv: list[str] | None = None) -> int:
    """Run ``keras-acts`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.handler(args, args.prog)


if __name__ == "__main__":
    sys.exit(main())
