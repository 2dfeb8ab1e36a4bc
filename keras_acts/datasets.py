"""Data sets for the examples: the UCI "Default of Credit Card Clients" table.

The table ships inside the package (``keras_acts/data/uci_credit_card.csv.gz``,
CC BY 4.0, see ``keras_acts/data/README.md`` for the columns and the citation),
so :func:`load_credit_default` works offline. Loading uses only numpy and the
standard library.

Two targets are available:

- ``"binary"``: whether the client defaulted on the next month's payment
  (column ``default.payment.next.month``; 0 = no default, 1 = default).
  Features: the 23 columns other than ``ID`` and the target.
- ``"4class"``: the September repayment status ``PAY_0`` in four bins,
  0 = paid duly (``PAY_0 <= -1``), 1 = revolving credit (``PAY_0 == 0``),
  2 = one month late (``PAY_0 == 1``), 3 = two or more months late
  (``PAY_0 >= 2``). ``PAY_0`` itself is dropped, leaving 22 features.
"""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import importlib.resources
import io

import numpy as np

__all__ = [
    "CREDIT_DEFAULT_SHA256",
    "DataIntegrityError",
    "class_names",
    "feature_names",
    "load_credit_default",
]

CREDIT_DEFAULT_SHA256 = "a02937f10611d2baa2d2300ea35cb681553f82b4c242469747ceb98456d291af"
"""sha256 of the uncompressed CSV (LF line endings) that ships with the package."""

_DATA_FILE = "uci_credit_card.csv.gz"
_ID_COLUMN = "ID"
_TARGET_COLUMN = "default.payment.next.month"
_BINNED_COLUMN = "PAY_0"
_N_ROWS = 30_000
_TARGETS = ("binary", "4class")

_FEATURES = (
    "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE",
    "PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6",
    "BILL_AMT1", "BILL_AMT2", "BILL_AMT3", "BILL_AMT4", "BILL_AMT5", "BILL_AMT6",
    "PAY_AMT1", "PAY_AMT2", "PAY_AMT3", "PAY_AMT4", "PAY_AMT5", "PAY_AMT6",
)  # fmt: skip
_COLUMNS = (_ID_COLUMN, *_FEATURES, _TARGET_COLUMN)

_CLASS_NAMES = {
    "binary": ("no default", "default"),
    "4class": ("paid duly", "revolving credit", "one month late", "two or more months late"),
}


class DataIntegrityError(RuntimeError):
    """The packaged data file is not the one keras_acts was released with."""


def _check_target(target: str) -> str:
    if target not in _TARGETS:
        raise ValueError(f"`target` must be one of {_TARGETS}, got {target!r}")
    return target


def feature_names(target: str = "binary") -> list[str]:
    """The names of the feature columns, in the order of the feature arrays.

    Args:
        target: ``"binary"`` or ``"4class"`` (the latter has no ``PAY_0``).

    Returns:
        A list of column names: 23 for ``"binary"``, 22 for ``"4class"``.

    >>> len(feature_names("binary")), len(feature_names("4class"))
    (23, 22)
    >>> "PAY_0" in feature_names("4class")
    False
    """
    if _check_target(target) == "4class":
        return [name for name in _FEATURES if name != _BINNED_COLUMN]
    return list(_FEATURES)


def class_names(target: str = "binary") -> list[str]:
    """What each integer label means, indexed by the label.

    Args:
        target: ``"binary"`` or ``"4class"``.

    Returns:
        A list of 2 or 4 short descriptions.

    >>> class_names("4class")[0]
    'paid duly'
    """
    return list(_CLASS_NAMES[_check_target(target)])


def _parse_csv(raw: bytes) -> np.ndarray:
    """The table as a float64 array (ID, features, target) after checking its hash.

    ``raw`` is the uncompressed CSV; its sha256 must be
    :data:`CREDIT_DEFAULT_SHA256`, otherwise :class:`DataIntegrityError`.
    """
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CREDIT_DEFAULT_SHA256:
        raise DataIntegrityError(
            f"keras_acts/data/{_DATA_FILE} is damaged or was replaced: the sha256 of the "
            f"uncompressed CSV is {digest}, expected {CREDIT_DEFAULT_SHA256}. "
            "Reinstall keras_acts to restore it."
        )
    reader = csv.reader(io.StringIO(raw.decode("ascii"), newline=""))
    header = tuple(next(reader))
    if header != _COLUMNS:
        raise DataIntegrityError(f"Unexpected columns in {_DATA_FILE}: {header}")
    table = np.array([[float(value) for value in row] for row in reader], dtype=np.float64)
    if table.shape != (_N_ROWS, len(_COLUMNS)):
        raise DataIntegrityError(f"Unexpected shape of {_DATA_FILE}: {table.shape}")
    return table


@functools.lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """The packaged table, read and verified once per process (read-only)."""
    source = importlib.resources.files("keras_acts").joinpath("data", _DATA_FILE)
    with source.open("rb") as compressed:
        raw = gzip.decompress(compressed.read())
    table = _parse_csv(raw)
    table.flags.writeable = False
    return table


def _bin_repayment_status(pay_0: np.ndarray) -> np.ndarray:
    """``PAY_0`` to the 4 classes: <= -1 -> 0, 0 -> 1, 1 -> 2, >= 2 -> 3."""
    return (np.clip(pay_0, -1, 2) + 1).astype(np.int32)


def _stratified_split(y: np.ndarray, test_fraction: float, seed: int):
    """Shuffled train/test row indices with each class's share kept in both parts.

    The test part has ``round(len(y) * test_fraction)`` rows in total; the rows
    are shared out between the classes in proportion to their sizes (largest
    remainder first), and drawn at random within each class.
    """
    rng = np.random.default_rng(seed)
    labels, counts = np.unique(y, return_counts=True)
    n_test = int(round(len(y) * test_fraction))
    exact = counts * (n_test / len(y))
    per_class = np.floor(exact).astype(int)
    short = n_test - per_class.sum()
    per_class[np.argsort(-(exact - per_class), kind="stable")[:short]] += 1
    train_parts, test_parts = [], []
    for label, n_label_test in zip(labels, per_class):
        rows = rng.permutation(np.flatnonzero(y == label))
        test_parts.append(rows[:n_label_test])
        train_parts.append(rows[n_label_test:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    return train, test


def load_credit_default(
    target: str = "binary",
    test_fraction: float = 0.2,
    seed: int = 0,
    standardize: bool = True,
):
    """Load the credit-card default data, split into training and test sets.

    The 30,000 rows are shuffled and split with a fixed seed, stratified by the
    label, so both parts keep the overall class shares. The data ships with the
    package and its checksum is verified on the first load.

    Args:
        target: ``"binary"`` (did the client default next month; 23 features)
            or ``"4class"`` (the September repayment status ``PAY_0`` in four
            bins; 22 features, ``PAY_0`` dropped). See :func:`class_names`.
        test_fraction: share of the rows put in the test set, between 0 and 1.
        seed: seed of the shuffle; the same seed gives the same split.
        standardize: if true, shift and scale every feature column by the mean
            and standard deviation of the *training* rows, so the training
            columns have mean 0 and standard deviation 1 and no test
            information leaks into the scaling. If false, the raw values.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: features as float32 arrays
        of shape ``(rows, features)``, labels as int32 arrays of shape
        ``(rows,)`` (0/1 for ``"binary"``, 0-3 for ``"4class"``). The column
        order is :func:`feature_names`.

    Raises:
        ValueError: an unknown ``target``, a ``test_fraction`` outside (0, 1) or
            one that leaves either set empty, or a negative ``seed``.
        TypeError: ``test_fraction`` or ``seed`` is not a number.
        DataIntegrityError: the packaged CSV does not match its sha256.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_credit_default()
    >>> x_train.shape, x_test.shape, x_train.dtype, y_train.dtype
    ((24000, 23), (6000, 23), dtype('float32'), dtype('int32'))
    >>> round(float(y_train.mean()), 3), round(float(y_test.mean()), 3)
    (0.221, 0.221)
    >>> (x4, y4), _ = load_credit_default("4class")
    >>> x4.shape, sorted(set(y4.tolist()))
    ((24000, 22), [0, 1, 2, 3])
    """
    _check_target(target)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float, np.number)):
        raise TypeError(f"`test_fraction` must be a number, got {type(test_fraction).__name__}: "
                        f"{test_fraction!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"`test_fraction` must be between 0 and 1 (exclusive), got {test_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an int, got {type(seed).__name__}: {seed!r}")
    if seed < 0:
        raise ValueError(f"`seed` must be non-negative, got {seed!r}")
    table = _table()
    columns = {name: i for i, name in enumerate(_COLUMNS)}
    names = feature_names(target)
    x = table[:, [columns[name] for name in names]]
    if target == "binary":
        y = table[:, columns[_TARGET_COLUMN]].astype(np.int32)
    else:
        y = _bin_repayment_status(table[:, columns[_BINNED_COLUMN]])

    train, test = _stratified_split(y, test_fraction, seed)
    if not (len(train) and len(test)):
        raise ValueError(
            f"`test_fraction`={test_fraction!r} leaves the {'training' if len(test) else 'test'} "
            f"set of the {len(y)} rows empty."
        )
    x_train, x_test = x[train], x[test]
    if standardize:
        mean = x_train.mean(axis=0)
        std = x_train.std(axis=0)
        std[std == 0] = 1.0  # a constant column stays constant (0) instead of NaN
        x_train = (x_train - mean) / std
        x_test = (x_test - mean) / std
    return (
        (x_train.astype(np.float32), y[train]),
        (x_test.astype(np.float32), y[test]),
    )
