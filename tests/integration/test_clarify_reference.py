"""The numpy Clarify reference of the worker tests reproduces the spec's vectors (§9)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.integration.clarify_reference import post_training, pre_training


def test_binary_vector_v1():
    facet = np.array(list("MFFMFMFFMMFF"))
    y = np.array([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0], dtype=bool)
    yhat = np.array([1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0], dtype=bool)
    d = facet == "F"
    assert pre_training(d, y, None)["CI"] == pytest.approx(-1 / 6)
    expected = {"DI": 10 / 7, "DCA": 1 / 4, "DCR": 1 / 3, "RD": -2 / 3, "SD": 1 / 6,
                "DRR": 1 / 3, "AD": -13 / 35, "DAR": -1 / 2, "TE": -1 / 2,
                "GE": 0.24556213017751485}  # fmt: skip
    got = post_training(d, y, yhat, None, None)
    assert {k: got[k] for k in expected} == pytest.approx(expected)
    no_a_positive = np.array([0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1], dtype=bool)
    assert post_training(d, y, no_a_positive, None, None)["DI"] == np.inf
    drr_zero = np.array([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1], dtype=bool)
    assert post_training(d, y, drr_zero, None, None)["DRR"] == pytest.approx(0.5)
    assert post_training(~d, y, drr_zero, None, None)["DRR"] == pytest.approx(-0.5)


def test_distribution_vectors_v2():
    label = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
    d = np.array([1, 0, 0, 0, 0, 0], dtype=bool)
    got = pre_training(d, label, None)
    assert got["KL"] == pytest.approx(-0.366516, abs=1e-6)
    assert got["JS"] == pytest.approx(0.06641431438228168)
    assert got["LP"] == pytest.approx(0.6)


def test_cddl_vector_v3():
    x = np.array("M,M,M,F,F,F,F,M,M,M,M,F,M,M,F,M,F,F,M,M,F,M,M,F".split(","))
    y = np.array([0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0], bool)
    group = np.array([1, 0, 2, 2, 1, 1, 2, 1, 1, 2, 0, 1, 2, 0, 1, 1, 1, 2, 0, 1, 0, 0, 1, 1])
    assert pre_training(x == "F", y, group)["CDDL"] == pytest.approx(0.3982142857)
    assert pre_training(x == "M", y, group)["CDDL"] == pytest.approx(-0.3982142857)
