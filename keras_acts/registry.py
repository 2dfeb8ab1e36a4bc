"""One table of activations: names, aliases, functions and references.

Every activation keras_acts ships is declared once (in its family module under
``keras_acts/activations/``) with :func:`declare`; users add their own with
:func:`register_activation`. Everything else is derived from this table: the
string names Keras layers accept, ``get`` / ``serialize`` / ``deserialize``,
``list_activations`` and the error messages for unknown names.

Lookup is forgiving: names match case-insensitively, with ``-`` and ``_``
alike, and ``"keras_acts>name"`` (the form Keras writes into saved models)
resolves too.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import re
import threading
import types
from typing import Any, Callable

import keras

from keras_acts import _keras_hook

PACKAGE = "keras_acts"
USER_PACKAGE = "Custom"  # Keras's default package for register_keras_serializable


@dataclasses.dataclass(frozen=True)
class ActivationSpec:
    """The declaration of one activation.

    Attributes:
        name: canonical name (what ``list_activations`` shows).
        fn: the function.
        aliases: other names that resolve to the same function.
        reference: where the definition comes from (paper or library).
        family: the module grouping (``"rectifiers"``, ``"smooth"``, ...), or
            ``"user"`` for :func:`register_activation`.
        needs: options without defaults (a user's ``f(x, scale)``): the name
            then works only with them, as ``"name(scale=2.0)"``.
    """

    name: str
    fn: Callable
    aliases: tuple[str, ...] = ()
    reference: str = ""
    family: str = ""
    needs: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def summary(self) -> str:
        doc = (self.fn.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


_lock = threading.RLock()
_specs: dict[str, ActivationSpec] = {}  # canonical name -> spec
_index: dict[str, ActivationSpec] = {}  # normalized name or alias -> spec
_by_fn: dict[int, ActivationSpec] = {}  # id(fn) -> spec


def normalize(name: str) -> str:
    """The lookup key of a name: lower case, ``-`` and spaces read as ``_``.

    >>> normalize("Leaky-ReLU")
    'leaky_relu'
    """
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _strip_package(name: str) -> str:
    return name.split(">", 1)[1] if ">" in name else name


def _foreign(name: str) -> bool:
    """Whether ``name`` is ``"package>name"`` for a package other than keras_acts's own
    and Keras's ``Custom`` (where register_activation saves)."""
    return ">" in name and name.split(">", 1)[0] not in (PACKAGE, USER_PACKAGE)


def _check_name(name: Any, argument: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"`{argument}` must be a string, got {type(name).__name__}: {name!r}")
    if not name.strip() or not name.replace("-", "_").replace("_", "a").isalnum():
        raise ValueError(
            f"`{argument}` must be a non-empty name of letters, digits, `_` or `-`, got {name!r}"
        )
    return name


def _add(spec: ActivationSpec, package: str) -> None:
    """Put ``spec`` in the table, in Keras's string table and its serializer."""
    with _lock:
        for alias in spec.names:
            _check_name(alias, "name")
            key = normalize(alias)
            taken = _index.get(key)
            if taken is not None and taken.fn is not spec.fn:
                owner = ("registered with register_activation" if taken.family == "user"
                         else "one of keras_acts's own")
                raise ValueError(
                    f"Activation name {alias!r} is already taken by {taken.name!r} "
                    f"({owner}); choose another `name`."
                )
        if spec.family == "user":
            for alias in spec.names:
                if _keras_hook.is_keras_name(alias) or _keras_hook.is_keras_name(normalize(alias)):
                    raise ValueError(
                        f"Activation name {alias!r} is one of Keras's own activations; "
                        "choose another `name` (keras_acts never replaces Keras's names)."
                    )
        if (id(spec.fn) not in _by_fn and not _owned_by_keras_or_tensorflow(spec.fn)
                and keras.saving.get_registered_name(spec.fn) == spec.fn.__name__):
            keras.saving.register_keras_serializable(package=package, name=spec.name)(spec.fn)
        _specs[spec.name] = spec
        _by_fn[id(spec.fn)] = spec
        for alias in spec.names:
            _index[normalize(alias)] = spec
            if not spec.needs:  # else Keras's lookup asks the registry, which explains
                _keras_hook.add_name(alias, spec.fn)


def _owned_by_keras_or_tensorflow(fn) -> bool:
    """Whether ``fn`` is Keras's or TensorFlow's own (``keras.activations.relu``,
    ``tf.math.tanh``): a user's name for it is a name to look it up by, never the
    name it saves under (that would change how every model using Keras's own name
    saves, and a process without the registration could not load them)."""
    module = getattr(fn, "__module__", None) or ""
    return module.split(".")[0] in ("keras", "tensorflow", "tf_keras")


def declare(
    name: str,
    *,
    aliases: tuple[str, ...] = (),
    reference: str = "",
    family: str = "",
) -> Callable[[Callable], Callable]:
    """Decorator for keras_acts's own activations: one declaration each."""

    def decorator(fn: Callable) -> Callable:
        _add(ActivationSpec(name, fn, tuple(aliases), reference, family), PACKAGE)
        return fn

    return decorator


def register_activation(
    fn: Callable | None = None,
    name: str | None = None,
    *,
    aliases: tuple[str, ...] = (),
    reference: str = "",
):
    """Make a function of yours an activation name, exactly like keras_acts's own.

    After registration the name works as ``activation="name"`` in every Keras
    layer, in :func:`get`, and in saved models (saved as ``"Custom>name"``
    unless the function is already registered with
    ``keras.saving.register_keras_serializable``). Use it as a call or a
    decorator, with or without arguments.

    Args:
        fn: the activation, a callable taking a tensor and returning one of the
            same shape.
        name: the name to register; defaults to ``fn.__name__``.
        aliases: further names for the same function.
        reference: where the definition comes from, shown by ``keras-acts list``.

    Returns:
        ``fn`` itself, so the decorator leaves the function unchanged.

    Raises:
        ValueError: the name (or an alias) is one of Keras's or keras_acts's
            own, or is already registered to another function.
        TypeError: ``fn`` is not callable, takes no tensor argument, or
            ``name`` is not a string.

    A function whose options have no defaults (``f(x, scale)``) is registered
    too, but its name works only with them (``"f(scale=2.0)"``): the bare name
    raises a ValueError where it is looked up, since layers call activations
    with the tensor alone.

    Example:

    >>> import tensorflow as tf
    >>> @register_activation
    ... def cubic_doctest(x):
    ...     return x * x * x
    >>> keras.layers.Dense(2, activation="cubic_doctest").activation is cubic_doctest
    True
    """
    if fn is None or isinstance(fn, str):
        if isinstance(fn, str):  # @register_activation("name")
            name, fn = fn, None
        return lambda f: register_activation(f, name, aliases=aliases, reference=reference)
    if not callable(fn):
        raise TypeError(f"`fn` must be callable, got {type(fn).__name__}: {fn!r}")
    if not hasattr(fn, "__name__"):
        raise TypeError(
            f"`fn` must be a function or a callable with a `__name__`, got {type(fn).__name__}: "
            "Keras saves activations by name (for options, a parameterised string such as "
            "\"elu(alpha=0.5)\", or a `def`).")
    if not isinstance(fn, types.FunctionType) and not hasattr(fn, "get_config"):
        # Keras saves any other callable as an object of its class, by its config
        raise TypeError(
            f"`fn` must be a function (a `def`), got a {type(fn).__name__} object: Keras saves "
            "other callables by their class's `get_config`, which it has not; write a function, "
            "or a class with `get_config` registered with keras.saving.register_keras_serializable.")
    if aliases is None:
        aliases = ()
    if isinstance(aliases, str) or not isinstance(aliases, (tuple, list, set, frozenset)) or \
            not all(isinstance(a, str) for a in aliases):
        raise TypeError(f"`aliases` must be a tuple of names, got {type(aliases).__name__}: {aliases!r}")
    if name is None:
        name = fn.__name__
        if not name or name == "<lambda>":
            raise ValueError("`name` is required for a lambda.")
    _check_name(name, "name")
    needs = _options_without_defaults(fn)
    with _lock:
        existing = _by_fn.get(id(fn))
        if existing is not None and existing.fn is fn:
            if normalize(name) in map(normalize, existing.names):
                return fn  # the same function under the same name: nothing to do
            raise ValueError(
                f"This function is already registered as {existing.name!r}; "
                f"register it once, with `aliases` for further names."
            )
        _add(ActivationSpec(name, fn, tuple(aliases), reference, "user", needs), USER_PACKAGE)
        if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
            # Keras saves a function named "<lambda>" as its bytecode, never by a registered
            # name: named, it saves as "Custom>name" and reloads wherever it is registered
            fn.__name__ = fn.__qualname__ = name
    return fn


def spec(name: str) -> ActivationSpec:
    """The declaration behind a keras_acts name or alias (forgiving lookup)."""
    found = _index.get(normalize(_strip_package(name)))
    if found is None:
        raise ValueError(_unknown_message(name))
    return found


def specs() -> list[ActivationSpec]:
    """Every declaration, sorted by canonical name."""
    with _lock:
        return [_specs[n] for n in sorted(_specs)]


def spec_of(fn: Callable) -> ActivationSpec | None:
    """The declaration of a function in the table, or None."""
    return _by_fn.get(id(fn))


def list_activations() -> list[str]:
    """Sorted canonical names of every registered stateless activation.

    Aliases are left out; user registrations are included.

    >>> "lisht" in list_activations() and "swish" not in list_activations()
    True
    """
    with _lock:
        return sorted(_specs)


def known_names() -> list[str]:
    """Every name ``get`` accepts: keras_acts names and aliases, then Keras's."""
    with _lock:  # registration writes both tables under this lock
        ours = [alias for s in _specs.values() for alias in s.names]
        theirs = _keras_hook.keras_names()
    return sorted(set(ours) | set(theirs))


def _options_without_defaults(fn: Callable) -> tuple[str, ...]:
    """The parameters after the tensor that ``fn`` needs (no default), or a TypeError
    naming ``fn`` if it takes no tensor at all."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # no signature to read (some builtins): trust it
        return ()
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional and not any(p.kind is p.VAR_POSITIONAL for p in parameters):
        raise TypeError("`fn` must take the input tensor as its first argument, "
                        f"got a function of ({', '.join(p.name for p in parameters)}).")
    return tuple(p.name for p in positional[1:] + [p for p in parameters if p.kind is p.KEYWORD_ONLY]
                 if p.default is p.empty)


def _unknown_message(name: Any) -> str:
    candidates = {normalize(n): n for n in known_names()}
    close = difflib.get_close_matches(
        normalize(_strip_package(str(name))), list(candidates), n=5, cutoff=0.6
    )
    hint = (
        "Closest known names: " + ", ".join(repr(candidates[c]) for c in close) + "."
        if close
        else "See keras_acts.list_activations() for the names."
    )
    return f"Unknown activation {name!r}. {hint}"


_CALL = re.compile(r"^\s*([\w>-]+)\s*\((.*)\)\s*$", re.S)


def _parse_call(text: str) -> Callable:
    """``"leaky_relu(0.1)"`` / ``"elu(alpha=0.5)"`` -> a serializable configured activation."""
    name, inside = _CALL.match(text).groups()
    if _foreign(name):
        raise ValueError(f"Activation {text!r}: options in brackets are for keras_acts's and "
                         "register_activation's names; another package's function takes none.")
    found = spec(name)
    try:
        call = ast.parse(f"f({inside})", mode="eval").body
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
        if len(kwargs) != len(call.keywords):
            raise ValueError("** is not allowed")
    except (SyntaxError, ValueError) as error:
        raise ValueError(
            f"Could not parse activation {text!r}: arguments must be literals, "
            f"as in 'leaky_relu(0.1)' or 'elu(alpha=0.5)' ({error})."
        ) from None
    try:
        bound = inspect.signature(found.fn).bind(None, *args, **kwargs)
    except TypeError as error:
        raise ValueError(f"Bad arguments in activation {text!r}: {error}.") from None
    options = {k: v for k, v in list(bound.arguments.items())[1:]}
    return configured(found.name, **options)


def _lookup_name(name: str) -> Callable:
    if not name.strip():
        raise ValueError("Unknown activation '': the activation name is empty.")
    if _CALL.match(name):
        return _parse_call(name)
    if _foreign(name):  # another package's function: Keras's registry has it, or nobody
        found = keras.saving.get_registered_object(name)
        if found is None:
            raise ValueError(f"Unknown activation {name!r}: nothing is registered with Keras "
                             "under that name (import the module that registers it).")
        if inspect.isclass(found) or not callable(found):
            raise ValueError(f"Activation {name!r} names a {type(found).__name__} registered "
                             "with Keras, not a function.")
        return found
    found = _index.get(normalize(_strip_package(name)))
    if found is not None:
        if found.needs:  # layers call activations with the tensor alone
            example = ", ".join(f"{option}=..." for option in found.needs)
            raise ValueError(
                f"Activation {found.name!r} needs its options {list(found.needs)}: write it as "
                f"'{found.name}({example})'."
            )
        return found.fn
    keras_fn = _keras_hook.keras_lookup(name)
    if keras_fn is not None:
        return keras_fn
    raise ValueError(_unknown_message(name))


def _resolve_for_keras(name: str) -> Callable:
    """A name Keras's table lacks, as Keras's ``activations.get`` should see it.

    Keras's own names keep meaning Keras's functions in any spelling
    (``"ReLU"``); then keras_acts's names, aliases and parameterised strings;
    unknown names raise a ValueError naming the closest known ones.
    """
    match = _CALL.match(name)
    if match and not match.group(2).strip():  # "relu()": the name itself
        name = match.group(1)
    keras_fn = _keras_hook.keras_lookup(name)
    return keras_fn if keras_fn is not None else _lookup_name(name)


_keras_hook.set_resolver(_resolve_for_keras, normalize)


def get(identifier: Any) -> Callable:
    """Retrieve an activation function, as ``keras.activations.get`` does.

    Args:
        identifier: ``None`` (gives ``linear``), a name (keras_acts names and
            aliases first, then Keras's own; case-insensitive, ``-`` and ``_``
            alike), a config dict (deserialized) or a callable (returned as is).

    Returns:
        The activation function.

    Raises:
        ValueError: an unknown name (the message lists the closest known
            names), or an identifier of any other type.

    >>> get("LiSHT").__name__, get(None).__name__
    ('lisht', 'linear')
    """
    if identifier is None:
        return _lookup_name("linear")
    if isinstance(identifier, str):
        return _lookup_name(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        "Could not interpret activation identifier: expected None, a name, a config "
        f"dict or a callable, got {type(identifier).__name__}: {identifier!r}"
    )


def serialize(activation: Callable) -> str | dict:
    """The config Keras saves for an activation (``keras.activations.serialize``).

    Keras's own functions serialize to their name; keras_acts and registered
    user functions to a dict naming ``"keras_acts>name"`` / ``"Custom>name"``,
    which :func:`deserialize` and Keras's loader both resolve.

    >>> serialize(get("lisht"))["config"]
    'keras_acts>lisht'
    """
    return keras.activations.serialize(activation)


def deserialize(config: str | dict | None, custom_objects: dict | None = None) -> Callable | None:
    """The activation a config describes; the inverse of :func:`serialize`. None gives
    None, as Keras's ``deserialize``.

    >>> deserialize(serialize(get("lisht"))) is get("lisht")
    True
    """
    if config is None:  # as Keras's: nothing to deserialize (get(None) is linear)
        return None
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        try:
            return _lookup_name(config)
        except ValueError:
            # as Keras's: names in its custom objects (global, or a custom_object_scope)
            found = keras.saving.get_registered_object(config)
            if found is None:
                raise
            return found
    if not isinstance(config, dict):
        raise ValueError(
            f"Could not deserialize activation: expected a name or a config dict, got {config!r}"
        )
    inner = config.get("config")
    if isinstance(inner, str) and config.get("class_name") == "function":
        try:
            found = keras.saving.deserialize_keras_object(config, custom_objects=custom_objects)
            if inspect.isclass(found):  # "keras_acts>LiSHT" is also a layer's registered name
                raise ValueError(f"{inner!r} names a class, not a function")
            return found
        except (TypeError, ValueError):
            if _foreign(inner):  # another package's function: not ours to stand in
                raise
            return _lookup_name(inner)
    found = keras.saving.deserialize_keras_object(config, custom_objects=custom_objects)
    if not callable(found):
        raise ValueError(f"Could not deserialize activation: {config!r} describes no function")
    return found


def _probe_options(options: dict) -> dict:
    """``options`` to try an activation's with on a vector: an int ``axis`` (or a
    tuple of ints) as -1, since whether it is in range depends on the rank of the
    inputs to come (Keras's ``Softmax(axis=...)`` layer also finds out when called)."""
    from keras_acts.activations._base import python_number

    if "axis" not in options:
        return options
    axis = options["axis"]
    axes = axis if isinstance(axis, (tuple, list)) and axis else (axis,)
    if all(type(python_number(a)) is int for a in axes):
        return {**options, "axis": -1}
    return options


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConfiguredActivation:
    """An activation with its keyword arguments bound, that saves and reloads.

    ``configured(get("elu"), alpha=0.5)`` behaves as ``lambda x: elu(x,
    alpha=0.5)`` but, unlike a lambda or ``functools.partial``, Keras can
    serialize it inside a model.
    """

    def __init__(self, activation: str, **options: Any):
        found = spec(activation)
        self.activation = found.name
        self.options = dict(options)
        self._fn = found.fn
        args = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        self.__name__ = f"{self.activation}({args})"
        self._fn(keras.ops.zeros((2,)), **_probe_options(self.options))  # bad options fail here, not in a model

    def __call__(self, x):
        return self._fn(x, **self.options)

    def __repr__(self) -> str:
        return self.__name__

    def __eq__(self, other) -> bool:
        return isinstance(other, ConfiguredActivation) and (
            (self.activation, self.options) == (other.activation, other.options)
        )

    def __hash__(self) -> int:
        return hash(self.__name__)

    def get_config(self) -> dict:
        return {"activation": self.activation, **self.options}

    @classmethod
    def from_config(cls, config: dict) -> "ConfiguredActivation":
        return cls(**config)


def configured(fn: Callable | str, **options: Any) -> Callable:
    """``fn`` with keyword ``options`` bound, as a serializable callable."""
    if not options:
        return get(fn)
    if not isinstance(fn, str):
        found = spec_of(fn)
        if found is None:
            raise ValueError(
                f"`fn` must be a registered activation to bind options to it, got {fn!r}"
            )
        fn = found.name
    return ConfiguredActivation(fn, **options)
