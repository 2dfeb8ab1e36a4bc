"""Loading saved models with clear errors for files that are not what they claim."""

from __future__ import annotations

import os
import zipfile

import keras


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """``keras.saving.load_model`` that says what is wrong with a bad file.

    Keras 3.15 reports a truncated or corrupted ``.keras`` file as "File not
    found"; this checks the archive first and raises a ``ValueError`` naming
    the file and the problem. keras_acts names, layers and registered
    functions load as with Keras's own loader (importing keras_acts registers
    them).

    Args:
        filepath: path of a ``.keras`` file (other formats go straight to Keras).
        custom_objects, compile, safe_mode: as ``keras.saving.load_model``.

    Returns:
        The model.

    Raises:
        FileNotFoundError: no file at ``filepath``.
        ValueError: a ``.keras`` file that is not a complete zip archive with
            the files Keras writes (``config.json``, ``model.weights.h5``).
    """
    path = os.fspath(filepath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"`filepath` {path!r} does not exist.")
    if path.endswith(".keras") and os.path.isfile(path):
        problem = _archive_problem(path)
        if problem:
            raise ValueError(f"`filepath` {path!r} is not a valid .keras file ({problem}); "
                             "it may be truncated or corrupted.")
    return keras.saving.load_model(path, custom_objects=custom_objects, compile=compile,
                                   safe_mode=safe_mode)


def _archive_problem(path: str) -> str | None:
    if not zipfile.is_zipfile(path):
        return "not a zip archive"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = {"config.json"} - names
            if missing:
                return f"missing {sorted(missing)}"
            broken = archive.testzip()
            if broken is not None:
                return f"member {broken!r} fails its checksum"
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return str(error)
    return None
