"""Tests of keras_acts.datasets: the packaged credit-default data and its splits."""

import gzip

import numpy as np
import pytest

from keras_acts import datasets
from keras_acts.datasets import (
    DataIntegrityError,
    class_names,
    feature_names,
    load_credit_default,
)

N_ROWS = 30_000
N_DEFAULTS = 6_636
FOUR_CLASS_COUNTS = [8_445, 14_737, 3_688, 3_130]


def _all_labels(target, **kwargs):
    (_, y_train), (_, y_test) = load_credit_default(target, **kwargs)
    return np.concatenate([y_train, y_test])


@pytest.mark.parametrize("target, n_features", [("binary", 23), ("4class", 22)])
def test_shapes_and_dtypes(target, n_features):
    (x_train, y_train), (x_test, y_test) = load_credit_default(target)
    assert x_train.shape == (24_000, n_features) and x_test.shape == (6_000, n_features)
    assert y_train.shape == (24_000,) and y_test.shape == (6_000,)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int32
    assert len(feature_names(target)) == n_features
    assert np.isfinite(x_train).all() and np.isfinite(x_test).all()


@pytest.mark.parametrize("fraction", [0.1, 0.25, 0.5])
def test_split_sizes_add_up(fraction):
    (x_train, _), (x_test, _) = load_credit_default(test_fraction=fraction)
    assert len(x_train) + len(x_test) == N_ROWS
    assert len(x_test) == round(N_ROWS * fraction)


def test_binary_target_counts():
    y = _all_labels("binary")
    assert set(np.unique(y).tolist()) == {0, 1}
    assert int(y.sum()) == N_DEFAULTS
    assert round(100 * y.mean(), 2) == 22.12


def test_four_class_counts():
    y = _all_labels("4class")
    assert np.bincount(y).tolist() == FOUR_CLASS_COUNTS
    assert len(class_names("4class")) == 4 and len(class_names("binary")) == 2


def test_split_is_stratified():
    for target in ("binary", "4class"):
        (_, y_train), (_, y_test) = load_credit_default(target)
        share_train = np.bincount(y_train) / len(y_train)
        share_test = np.bincount(y_test) / len(y_test)
        np.testing.assert_allclose(share_train, share_test, atol=1e-3)


def test_repayment_status_bins():
    pay_0 = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 8.0])
    assert datasets._bin_repayment_status(pay_0).tolist() == [0, 0, 1, 2, 3, 3, 3]


def test_feature_names():
    names = feature_names("binary")
    assert names[0] == "LIMIT_BAL" and names[-1] == "PAY_AMT6"
    assert "ID" not in names and "default.payment.next.month" not in names
    assert feature_names("4class") == [n for n in names if n != "PAY_0"]


def test_standardized_with_training_statistics():
    (x_train, _), (x_test, _) = load_credit_default(seed=3)
    (raw_train, _), (raw_test, _) = load_credit_default(seed=3, standardize=False)
    np.testing.assert_allclose(x_train.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(x_train.std(axis=0), 1.0, atol=1e-4)
    # The test rows are scaled by the training rows' mean and std, not their own.
    mean, std = raw_train.astype(np.float64).mean(axis=0), raw_train.astype(np.float64).std(axis=0)
    np.testing.assert_allclose(x_test, (raw_test - mean) / std, rtol=1e-4, atol=1e-4)
    assert not np.allclose(x_test.mean(axis=0), 0.0, atol=1e-4)


def test_raw_values_and_rows_complete():
    (raw_train, _), (raw_test, _) = load_credit_default(standardize=False)
    names = feature_names("binary")
    sex = np.concatenate([raw_train, raw_test])[:, names.index("SEX")]
    assert set(np.unique(sex).tolist()) == {1.0, 2.0}
    # Training and test rows together are exactly the table's rows.
    table = datasets._table()[:, 1:24]
    both = np.concatenate([raw_train, raw_test]).astype(np.float64)
    assert both.shape == table.shape
    order_a = np.lexsort(both.T[::-1])
    order_b = np.lexsort(table.T[::-1])
    np.testing.assert_array_equal(both[order_a], table[order_b])


def test_same_seed_same_split_other_seed_other_split():
    first = load_credit_default("4class", seed=7)
    second = load_credit_default("4class", seed=7)
    other = load_credit_default("4class", seed=8)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(first[1][0], other[1][0])


def test_returned_arrays_are_independent_copies():
    (x_train, y_train), _ = load_credit_default(standardize=False)
    x_train[:] = -1
    y_train[:] = 9
    (x_again, y_again), _ = load_credit_default(standardize=False)
    assert (x_again != -1).any() and (y_again != 9).all()


def test_checksum_mismatch_is_a_clear_error():
    source = datasets.importlib.resources.files("keras_acts").joinpath(
        "data", "uci_credit_card.csv.gz"
    )
    raw = gzip.decompress(source.read_bytes())
    assert datasets._parse_csv(raw).shape == (N_ROWS, 25)
    tampered = raw.replace(b"\n2,120000,", b"\n2,120001,", 1)
    assert tampered != raw
    with pytest.raises(DataIntegrityError, match="sha256"):
        datasets._parse_csv(tampered)
    with pytest.raises(DataIntegrityError, match=datasets.CREDIT_DEFAULT_SHA256):
        datasets._parse_csv(raw.replace(b"\n", b"\r\n"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target": "multiclass"}, "target"),
        ({"test_fraction": 0.0}, "test_fraction"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"test_fraction": 0.99999}, "leaves the training set"),  # would train on no rows
        ({"test_fraction": 1e-9}, "leaves the test set"),
        ({"seed": -1}, "`seed` must be non-negative"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_credit_default(**kwargs)


@pytest.mark.parametrize("kwargs", [{"test_fraction": "0.2"}, {"seed": 1.5}, {"seed": "a"}])
def test_arguments_of_the_wrong_type(kwargs):
    with pytest.raises(TypeError, match=f"`{next(iter(kwargs))}`"):
        load_credit_default(**kwargs)
