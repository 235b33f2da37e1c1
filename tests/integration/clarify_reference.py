"""Clarify's bias metrics straight from the spec's formulas, in numpy, for reference.

Written from ``specs/clarify.md`` §0-§4 (smclarify's conventions: ``divide`` with 0/0 → 0
and a/0 → inf, two infinite ratios differencing to 0, distributions aligned on the
categories non-zero in both facets, CDD over subgroup counts, GE with α = 2, FT with
scikit-learn's ``KNeighborsClassifier``), without any of driftline's code, so that the
worker's figures can be checked against something that does not share its mistakes.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

__all__ = ["post_training", "pre_training"]


def _divide(a: float, b: float) -> float:
    if b == 0:
        return 0.0 if a == 0 else math.copysign(math.inf, a)
    return a / b


def _minus(x: float, y: float) -> float:
    return 0.0 if x == y == math.inf else x - y


def _cells(d: np.ndarray, y: np.ndarray, yhat: np.ndarray) -> dict[str, dict[str, int]]:
    out = {}
    for name, mask in (("d", d), ("a", ~d)):
        out[name] = {
            "tp": int(np.sum(mask & y & yhat)),
            "fp": int(np.sum(mask & ~y & yhat)),
            "fn": int(np.sum(mask & y & ~yhat)),
            "tn": int(np.sum(mask & ~y & ~yhat)),
        }
    return out


def _cdd(d: np.ndarray, positive: np.ndarray, group: np.ndarray) -> float:
    total = 0.0
    for g in np.unique(group):
        in_g = group == g
        accepted = _divide(np.sum(positive & d & in_g), np.sum(positive & in_g))
        rejected = _divide(np.sum(~positive & d & in_g), np.sum(~positive & in_g))
        total += np.sum(in_g) * (rejected - accepted)
    return total / group.size


def pre_training(d: np.ndarray, y: np.ndarray, group: np.ndarray | None) -> dict[str, float]:
    """CI, DPL, KL, JS, LP, TVD, KS and CDDL of facet ``d`` (bool) with positive labels ``y``."""
    n_d, n_a = int(d.sum()), int((~d).sum())
    q_d, q_a = y[d].sum() / n_d, y[~d].sum() / n_a
    p_a, p_d = np.array([1 - q_a, q_a]), np.array([1 - q_d, q_d])
    keep = (p_a > 0) & (p_d > 0)
    p_a, p_d = p_a[keep], p_d[keep]
    mid = (p_a + p_d) / 2
    out = {
        "CI": (n_a - n_d) / (n_a + n_d),
        "DPL": q_a - q_d,
        "KL": float(np.sum(p_a * np.log(p_a / p_d))),
        "JS": float(0.5 * (np.sum(p_a * np.log(p_a / mid)) + np.sum(p_d * np.log(p_d / mid)))),
        "LP": float(np.sqrt(np.sum((p_a - p_d) ** 2))),
        "TVD": float(0.5 * np.sum(np.abs(p_a - p_d))),
        "KS": float(np.max(np.abs(p_a - p_d))),
    }
    if group is not None:
        out["CDDL"] = _cdd(d, y, group)
    return out


def post_training(
    d: np.ndarray,
    y: np.ndarray,
    yhat: np.ndarray,
    group: np.ndarray | None,
    features: np.ndarray | None,
) -> dict[str, float]:
    """Every post-training metric of facet ``d`` with observed ``y`` and predicted ``yhat``."""
    c = _cells(d, y, yhat)
    a, dd = c["a"], c["d"]
    n = {g: sum(c[g].values()) for g in c}
    acc = {g: c[g]["tp"] + c[g]["fp"] for g in c}  # predicted positives
    rej = {g: c[g]["tn"] + c[g]["fn"] for g in c}  # predicted negatives
    obs1 = {g: c[g]["tp"] + c[g]["fn"] for g in c}
    obs0 = {g: c[g]["fp"] + c[g]["tn"] for g in c}
    out = {
        "DPPL": acc["a"] / n["a"] - acc["d"] / n["d"],
        "DI": _divide(acc["d"] / n["d"], acc["a"] / n["a"]),
        "DCA": _minus(_divide(obs1["a"], acc["a"]), _divide(obs1["d"], acc["d"])),
        "DCR": _minus(_divide(obs0["d"], rej["d"]), _divide(obs0["a"], rej["a"])),
        "RD": _minus(_divide(a["tp"], obs1["a"]), _divide(dd["tp"], obs1["d"])),
        "SD": _minus(_divide(dd["tn"], obs0["d"]), _divide(a["tn"], obs0["a"])),
        "DAR": _minus(_divide(a["tp"], acc["a"]), _divide(dd["tp"], acc["d"])),
        "DRR": _minus(_divide(dd["tn"], rej["d"]), _divide(a["tn"], rej["a"])),
        "AD": _minus(_divide(a["tp"] + a["tn"], n["a"]), _divide(dd["tp"] + dd["tn"], n["d"])),
        "TE": _minus(_divide(dd["fn"], dd["fp"]), _divide(a["fn"], a["fp"])),
    }
    b = yhat.astype(float) - y.astype(float) + 1.0
    mu = b.mean()
    out["GE"] = float(np.sum((b / mu) ** 2 - 1) / (b.size * 2))
    if group is not None:
        out["CDDPL"] = _cdd(d, yhat, group)
    if features is not None:
        k = 5 if n["a"] > 9 else 1
        knn = KNeighborsClassifier(n_neighbors=k).fit(features[~d], yhat[~d])
        flipped = knn.predict(features[d]).astype(bool)
        ours = yhat[d]
        out["FT"] = (np.sum(ours & ~flipped) - np.sum(~ours & flipped)) / n["d"]
    return out
