"""One window's labelled state: counts and the model-quality, bias and attribution runs.

:class:`LabelledAccumulators` is a window's state under a
:class:`~stream.monitors.labelled.LabelledSetup`: how many
predictions it had, how many joined a label or SHAP values, and the runs
(:mod:`stream.monitors.model_quality`, :mod:`~stream.monitors.bias`,
:mod:`~stream.monitors.attribution`). Partitions' accumulators merge exactly (counts,
confusion cells, score histograms, SHAP moments), so a window evaluated from all partitions
equals one evaluated from all records; their state is JSON-safe, each run's versioned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ground_truth.records import GroundTruth
from stream.capture.predictions import LocatedPrediction, score_value
from stream.monitors.attribution import AttributionRun
from stream.monitors.bias import BiasRun
from stream.monitors.label_join import LocalShap, PendingInstances, PendingPrediction
from stream.monitors.labelled import LabelledSetup
from stream.monitors.model_quality import ModelQualityRun


class LabelledAccumulators:
    """One window's labelled state: counts and the runs, mergeable and serialisable."""

    def __init__(self, setup: LabelledSetup) -> None:
        self.setup = setup
        self.predictions = 0  # merge: sum — predictions of the window (coverage denominator)
        self.labelled = 0  # merge: sum — predictions joined with a label
        self.explained = 0  # merge: sum — predictions with SHAP values
        self.model_quality = None if setup.problem_type is None else ModelQualityRun(
            setup.problem_type, probability_threshold=setup.probability_threshold,
            scores_expected=setup.scores_expected,
        )  # fmt: skip
        self.bias = None if setup.bias is None else BiasRun(
            setup.bias.settings, probability_threshold=setup.bias_threshold,
            whole_output=setup.locator is not None and setup.locator.reads_whole_output,
        )  # fmt: skip
        self.attribution = None if setup.attribution is None else AttributionRun(setup.attribution)
        self.restarted: tuple[str, ...] = ()  # runs from_state found saved under other settings

    @property
    def label_coverage(self) -> float | None:
        """Labelled predictions / predictions (None before the first prediction)."""
        return self.labelled / self.predictions if self.predictions else None

    def add_prediction(self, pending: PendingPrediction) -> None:
        """Count a prediction of the window (and its SHAP values read from the capture).

        A request of several instances counts each instance, and each one's SHAP values.
        """
        self.predictions += pending.instance_count
        if self.attribution is None:
            return
        if isinstance(pending, PendingInstances):
            for instance in pending.instances:
                if instance.shap:
                    self.add_shap(instance.shap)
        elif pending.shap:
            self.add_shap(pending.shap)

    def add_joined(self, pending: PendingPrediction, label: GroundTruth) -> None:
        """A prediction of the window met its label."""
        self.add_joined_many([(pending, label)])

    def add_joined_many(self, pairs: Sequence[tuple[PendingPrediction, GroundTruth]]) -> None:
        """Predictions of the window that met their labels, in order (one call per run)."""
        self.labelled += len(pairs)
        values = [label.values[0] if label.values else None for _, label in pairs]
        predictions = [LocatedPrediction(p.predicted, score_value(p.score)) for p, _ in pairs]
        if self.model_quality is not None:
            self.model_quality.update_many(values, predictions)
        if self.bias is not None:
            self.bias.update_many([p.row for p, _ in pairs], values, predictions)

    def add_shap(self, values: LocalShap) -> None:
        """A prediction of the window with its local SHAP values."""
        self.explained += 1
        if self.attribution is not None:
            self.attribution.update(values)

    def merge(self, other: LabelledAccumulators) -> None:
        """Absorb another partition's (or a later delta's) accumulators of the same window."""
        self.predictions += other.predictions
        self.labelled += other.labelled
        self.explained += other.explained
        if self.model_quality is not None and other.model_quality is not None:
            self.model_quality.merge(other.model_quality)
        if self.bias is not None and other.bias is not None:
            self.bias.merge(other.bias)
        if self.attribution is not None and other.attribution is not None:
            self.attribution.merge(other.attribution)

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state (each run's own versioned state)."""
        return {
            "predictions": self.predictions,
            "labelled": self.labelled,
            "explained": self.explained,
            "model_quality": None if self.model_quality is None else self.model_quality.to_state(),
            "bias": None if self.bias is None else self.bias.to_state(),
            "attribution": None if self.attribution is None else self.attribution.to_state(),
        }

    @classmethod
    def from_state(cls, setup: LabelledSetup, state: Mapping[str, Any]) -> LabelledAccumulators:
        """Rebuild from :meth:`to_state` output, against ``setup``.

        A run saved under other settings than ``setup``'s (the baseline or config was
        replaced: another problem type, facet, label value, probability threshold, SHAP
        features or labels), or not saved at all (added to the monitor since), starts
        empty, named in :attr:`restarted`: its figures could not
        be judged against the new baseline, nor merged with rows tallied under it. A run whose
        settings differ only in how it is judged (thresholds, minimum counts, the baseline's
        figures) keeps its figures and takes the new ones. The counts of predictions, labels
        and SHAP records stay: they do not depend on the runs' settings.
        """
        acc = cls(setup)
        acc.predictions = int(state["predictions"])
        acc.labelled = int(state["labelled"])
        acc.explained = int(state["explained"])
        runs = (("model_quality", acc.model_quality), ("bias", acc.bias),
                ("attribution", acc.attribution))  # fmt: skip
        for name, run in runs:
            saved = state.get(name)
            if run is None:
                continue
            if saved is None:  # the run was added to the monitor since
                acc.restarted += (name,)
                continue
            kept = with_settings_of(saved, run.to_state())
            if kept is None:
                acc.restarted += (name,)
            else:
                run.restore(kept)
        return acc


# parameters that say how a run is judged, not what its state holds
JUDGING_PARAMS = frozenset(
    ("name", "metric", "threshold", "comparison_operator", "min_samples", "seed", "baseline",
     "baseline_value")
)  # fmt: skip


def with_settings_of(saved: Any, fresh: Any) -> Any:
    """``saved`` (a run's state) with ``fresh``'s parameters, or None if made under others.

    Both are walked in the same order; every versioned state (``kind``, ``version``,
    ``params``, ``state``) in them must pair with one of the same kind whose parameters
    differ at most in :data:`JUDGING_PARAMS`; ``saved``'s then takes ``fresh``'s. A
    state of another version is left as it is, for the run's ``restore`` to upgrade or
    refuse, as before.
    """
    saved_envelopes, fresh_envelopes = _envelopes(saved), _envelopes(fresh)
    if len(saved_envelopes) != len(fresh_envelopes):
        return None
    for old, new in zip(saved_envelopes, fresh_envelopes, strict=True):
        if old["kind"] != new["kind"]:
            return None
        if old["version"] == new["version"] and _shape(old["params"]) != _shape(new["params"]):
            return None
    replacements = iter(fresh_envelopes)

    def replace(envelope: Mapping[str, Any]) -> Mapping[str, Any]:
        new = next(replacements)
        same = envelope["version"] == new["version"]
        return {**envelope, "params": new["params"]} if same else envelope

    return _replaced(saved, replace)


def _is_envelope(value: Any) -> bool:
    return isinstance(value, Mapping) and {"kind", "version", "params", "state"} <= value.keys()


def _envelopes(value: Any) -> list[Mapping[str, Any]]:
    """The versioned states in ``value``, outermost only, dict keys in sorted order."""
    if _is_envelope(value):
        return [value]
    if isinstance(value, Mapping):
        return [e for key in sorted(value) for e in _envelopes(value[key])]
    if isinstance(value, list | tuple):
        return [e for item in value for e in _envelopes(item)]
    return []


def _replaced(value: Any, replace: Any) -> Any:
    """``value`` with each outermost versioned state replaced, walked as :func:`_envelopes`."""
    if _is_envelope(value):
        return replace(value)
    if isinstance(value, Mapping):
        return {key: _replaced(value[key], replace) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_replaced(item, replace) for item in value]
    return value


def _shape(params: Mapping[str, Any]) -> Any:
    """The parameters that decide what a state holds, as JSON sees them (tuples as lists)."""
    return orjson.loads(orjson.dumps({k: v for k, v in params.items() if k not in JUDGING_PARAMS}))
