"""The labelled monitors of one window: model quality, bias drift and attribution drift.

:class:`LabelledSetup` holds what a monitor's labelled runs need — the baselines, the
settings, where the prediction sits in the capture output — and makes the other two pieces:

- :class:`~stream.monitors.labelled_accumulators.LabelledAccumulators`, one window's
  mergeable state (:mod:`stream.monitors.labelled_accumulators`);
- :class:`LabelledOutcome` per monitor type, from :meth:`LabelledSetup.evaluate`: SageMaker's
  statistics document (model-quality ``statistics.json``, Clarify ``analysis.json``), the
  violations against the baseline (constraint checks, ``bias_drift_check``,
  ``feature_attribution_drift_check``), every decision taken, and the label coverage.

The worker and ``driftline analyze`` both go through this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from detectors.verdicts import lacks_verdict
from detectors.violations import Violation
from stream.capture.explainer_response import (
    BAD_EXPLANATIONS,
    ExplainerResponse,
    explainer_response,
)
from stream.capture.payloads import payload_rows
from stream.capture.predictions import (
    MULTI_ROW_OUTPUT,
    NO_PREDICTION,
    LocatedPrediction,
    PredictionLocator,
    json_document,
)
from stream.capture.records import CaptureError, CaptureRecord, EventData
from stream.capture.rows import RowBuilder
from stream.kafka.topics import JOIN_CHANGELOG_MESSAGE_BYTES
from stream.labels.attributions import DEFAULT_LABEL, output_shap_records
from stream.monitors.attribution import AttributionBaseline
from stream.monitors.bias import BiasBaseline
from stream.monitors.bias_settings import row_columns
from stream.monitors.feeding import PartlyRefused
from stream.monitors.label_join import (
    LabelJoin,
    LocalShap,
    PendingInstances,
    PendingPrediction,
)
from stream.monitors.model_quality import ModelQualityBaselineFiles

MODEL_QUALITY, BIAS_DRIFT, ATTRIBUTION_DRIFT = (
    "model_quality", "bias_drift", "feature_attribution_drift",
)  # fmt: skip

# instances of one request joined one by one; its waiting entry (~130 bytes an instance) is one
# record of the join changelog, whose topic takes records of up to JOIN_CHANGELOG_MESSAGE_BYTES
MAX_INSTANCES = 10_000
# the most a waiting entry and its key may weigh: the record's expiry and framing fit beside them
MAX_ENTRY_BYTES = JOIN_CHANGELOG_MESSAGE_BYTES - 1024


@dataclass(frozen=True)
class LabelledOutcome:
    """One monitor type's result for one window."""

    monitor_type: str
    status: str
    statistics: dict[str, Any]  # SageMaker's document, plus driftline's counts
    violations: tuple[Violation, ...]
    decisions: tuple[dict[str, Any], ...]
    label_coverage: float | None
    failure_reason: str = ""
    warnings: tuple[str, ...] = ()  # figures that are not what they seem (an empty facet)

    @property
    def no_verdict(self) -> bool:
        """Completed, yet none of its checks decided (:func:`~detectors.verdicts.lacks_verdict`)."""
        verdicts = ((d.get("check_type", ""), d["violated"]) for d in self.decisions)
        return lacks_verdict(self.status, len(self.violations), verdicts, data_quality=False)


@dataclass(frozen=True)
class LabelledSetup:
    """What a monitor's labelled runs need; makes their accumulators and evaluates them.

    ``label_ttl_seconds``, ``max_pending`` and the A2I settings come in ``labels`` (a
    :class:`~stream.config.LabelSettings`-like object).
    """

    labels: Any
    locator: PredictionLocator | None = None
    builder: RowBuilder | None = None
    problem_type: str | None = None
    probability_threshold: float = 0.5
    model_quality_baseline: ModelQualityBaselineFiles | None = None
    bias: BiasBaseline | None = None
    bias_threshold: float | None = None
    bias_drift_check: str = "bootstrap"  # or "point"
    min_count: int = 30  # fewer labelled (or explained) predictions: no verdict
    attribution: AttributionBaseline | None = None
    ndcg_threshold: float = 0.9
    shap_source: str = "capture"  # or "topic"
    shap_path: str = "shap"
    bias_columns: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.bias is not None and not self.bias_columns:
            object.__setattr__(self, "bias_columns", tuple(row_columns(self.bias.settings)))

    @property
    def needs_labels(self) -> bool:
        """Whether a label is wanted: model quality or bias is on."""
        return self.problem_type is not None or self.bias is not None

    @property
    def reads_request(self) -> bool:
        """Whether bias reads its columns from the request by the config's ``headers``."""
        return self.bias is not None and self.bias.input_columns is not None

    @property
    def scores_expected(self) -> bool:
        """Whether the output is read for a score (predictions without one are counted).

        True with a probability attribute, and with none at all when the output's one value
        is read as the score (binary classification: :func:`~stream.monitors.labelled_setup.
        prediction_locator`).
        """
        return self.locator is not None and self.locator.reads_score

    @property
    def plain_shap_label(self) -> str:
        """The label of SHAP values given as a plain ``{feature: value}`` map."""
        if self.attribution is None:
            return DEFAULT_LABEL
        return self.attribution.plain_label

    @property
    def shap_from_topic(self) -> bool:
        """Whether SHAP values come on their own topic (joined by key)."""
        return self.attribution is not None and self.shap_source == "topic"

    def label_join(self) -> LabelJoin:
        """The join this setup needs: its bounds from ``labels``, what it waits for."""
        return LabelJoin(
            ttl_seconds=self.labels.label_ttl_seconds,
            max_pending=self.labels.max_pending,
            needs_labels=self.needs_labels,
            needs_shap=self.shap_from_topic,
        )

    @property
    def monitor_types(self) -> tuple[str, ...]:
        """The labelled monitor types switched on, in output order."""
        kinds = []
        if self.problem_type is not None:
            kinds.append(MODEL_QUALITY)
        if self.bias is not None:
            kinds.append(BIAS_DRIFT)
        if self.attribution is not None:
            kinds.append(ATTRIBUTION_DRIFT)
        return tuple(kinds)

    def pending(
        self,
        record: CaptureRecord,
        key: str,
        seconds: float,
        window: float,
        rows: Sequence[Mapping[str, Any]] | None = None,
    ) -> PendingPrediction:
        """What waits for the record's label; CaptureError when the output gives no prediction.

        ``rows`` are the record's feature rows when the caller has built them already (the
        worker's capture path has); the output is parsed once for prediction and SHAP.
        """
        return self.pending_of(
            record.endpoint_output, key, seconds, window, rows, record, record.endpoint_input
        )

    def pending_of(
        self,
        output: EventData | None,
        key: str,
        seconds: float,
        window: float,
        rows: Sequence[Mapping[str, Any]] | None = None,
        record: CaptureRecord | None = None,
        request: EventData | None = None,
    ) -> PendingPrediction:
        """:meth:`pending` from the record's ``endpointOutput`` and feature rows.

        A bias config with ``headers`` names the bias values in ``request`` (the record's
        ``endpointInput``) by them, as SageMaker does (:attr:`reads_request`); otherwise
        they come from ``rows`` or, without them, ``record``'s rows (the record is needed):
        one row per prediction. The worker passes its capture path's rows (a preprocessor's,
        when one is configured); ``analyze`` passes none, so with a preprocessor the two
        read bias facets from different rows.

        Each monitor loses only what it cannot read: with model quality or bias on, a
        capture whose prediction (or facet row) is refused still gives the attribution
        monitor its SHAP values, and one whose explanation is refused still gives its
        prediction. Either is a :class:`~stream.monitors.feeding.PartlyRefused` error
        carrying the usable part (:func:`~stream.monitors.feeding.take_refusal`).
        """
        document = None
        response_shap: list[LocalShap | None] | None = None  # a Clarify response's, per record
        output_shap: list[LocalShap | None] | None = None  # the model's own output's, per record
        refused: list[CaptureError] = []  # what one monitor cannot read, the others can
        if output is not None and not output.is_csv:
            document = json_document(output)
            response = explainer_response(document)
            if response is not None:  # predictions are the model's response inside it
                output = response.predictions
                document = None if output.is_csv else json_document(output)
                response_shap = self._response_shap(response, refused)
            elif self.reads_capture_shap:
                output_shap = self._output_shap(document, refused)
        if response_shap is not None and output is not None and not self.needs_labels:
            return _records_with_shap(
                key, seconds, window, response_shap, len(payload_rows(output))
            )
        if output_shap is not None and not self.needs_labels:
            return _records_with_shap(key, seconds, window, output_shap, len(output_shap))
        records_shap = response_shap if response_shap is not None else output_shap
        try:
            pending = self._labelled(
                output,
                document,
                key,
                seconds,
                window,
                rows,
                record,
                request,
                records_shap,
                refused,
            )
        except CaptureError as error:
            partly = self._prediction_refused(
                error, refused, output, response_shap, output_shap, window
            )
            if partly is None:
                raise
            raise partly from error
        if refused:
            raise PartlyRefused(refused, window=window, pending=pending)
        return pending

    def _labelled(
        self,
        output: EventData | None,
        document: Any,
        key: str,
        seconds: float,
        window: float,
        rows: Sequence[Mapping[str, Any]] | None,
        record: CaptureRecord | None,
        request: EventData | None,
        records_shap: list[LocalShap | None] | None,
        refused: list[CaptureError],
    ) -> PendingPrediction:
        """The capture's prediction(s), facet values and SHAP values; CaptureError if none.

        ``records_shap`` are the SHAP values of each record the output explains (a Clarify
        response's ``kernel_shap``, or the model's own output at ``shap_path``).
        """
        predicted = score = None
        if self.needs_labels and self.locator is not None:
            if output is None:
                msg = "missing_output"
                raise CaptureError(msg, "the capture has no endpointOutput")
            located = self.locator.locate_instances(output, document)
            if len(located) > 1 and document is not None:
                return self._instances(
                    located, key, seconds, window, rows, record, request, records_shap, refused
                )
            if len(located) != 1:
                msg = MULTI_ROW_OUTPUT
                raise CaptureError(msg, f"the output holds {len(located)} predictions")
            predicted, score = located[0]
            if predicted is None and score is None:
                msg = NO_PREDICTION
                shown = self.locator.attributes_shown()
                raise CaptureError(msg, f"the output holds no prediction at {shown}")
        values: dict[str, Any] = {}
        if self.bias is not None and self.bias.input_columns is not None:
            values = self.bias.input_columns.values(request)
        elif self.bias is not None and self.builder is not None:
            if rows is None:
                rows = [] if record is None else self.builder.rows(record)
            if len(rows) != 1:
                msg = MULTI_ROW_OUTPUT
                raise CaptureError(msg, f"the record holds {len(rows)} rows")
            values = {name: rows[0].get(name) for name in self.bias_columns}
        shap = None
        if records_shap is not None:
            shap = _readable_records(records_shap, 1, refused)[0]
        return PendingPrediction(key, seconds, window, predicted, score, values, shap)

    def _prediction_refused(
        self,
        error: CaptureError,
        refused: list[CaptureError],
        output: EventData | None,
        response_shap: list[LocalShap | None] | None,
        output_shap: list[LocalShap | None] | None,
        window: float,
    ) -> PartlyRefused | None:
        """The refusal of a capture's prediction, with the SHAP values attribution still reads.

        Those are a Clarify response's records (as many as the output holds: otherwise
        ``bad_explanations`` is refused too) or the records of the output's ``shap`` object
        (already refused, ``bad_explanations``, when they are not SHAP values). None when
        there are none and nothing else was refused, or when attribution is all the capture
        is read for: ``error`` alone stands.
        """
        if not self.needs_labels:  # error is the explanation's refusal: nothing else is read
            return None
        shaps: list[LocalShap] = []
        if response_shap is not None:
            try:  # an output that does not parse has no records to match: its refusal stands
                records = len(payload_rows(output)) if output is not None else 0
            except CaptureError:
                records = None
            if records is not None and response_shap:
                shaps = [s for s in _readable_records(response_shap, records, refused) if s]
        elif output_shap is not None:
            shaps = [s for s in output_shap if s]
        if not shaps and not refused:
            return None
        return PartlyRefused([error, *refused], window=window, explained=shaps)

    @property
    def reads_capture_shap(self) -> bool:
        """Whether the attribution monitor reads SHAP values from the capture output."""
        return self.attribution is not None and self.shap_source == "capture"

    def _output_shap(self, document: Any, refused: list[CaptureError]) -> list[LocalShap | None]:
        """Each record's SHAP values at ``shap_path`` of a model's own JSON output.

        One record's object, or one entry per record of the request
        (:func:`~stream.labels.attributions.output_shap_records`); ``[]`` when none is
        explained. What is not SHAP values (``bad_explanations``, ``unnamed_features``)
        refuses the capture when attribution is all it is read for; with model quality or
        bias on, it is added to ``refused`` and explains nothing, as a Clarify response's
        (:meth:`_response_shap`). Features without ``feature_header`` are named by the
        attribution baseline's headers.
        """
        headers = self.attribution.headers if self.attribution is not None else ()
        try:
            return output_shap_records(
                document, self.shap_path, self.plain_shap_label, features=headers
            )
        except CaptureError as error:
            self._refuse_explanation(error, refused)
            return []

    def _response_shap(
        self, response: ExplainerResponse, refused: list[CaptureError]
    ) -> list[LocalShap | None] | None:
        """A Clarify response's SHAP values per record, when the capture is where they are.

        Features without ``feature_header`` are named by the attribution baseline's headers.
        Explanations it cannot read refuse the capture when attribution is all it is read
        for; with model quality or bias on, they are added to ``refused`` and explain none.
        """
        if not self.reads_capture_shap or self.attribution is None:
            return None
        try:
            return response.local_shap(self.attribution.headers, single_label=self.plain_shap_label)
        except CaptureError as error:
            self._refuse_explanation(error, refused)
            return []

    def _refuse_explanation(self, error: CaptureError, refused: list[CaptureError]) -> None:
        """Refuse an explanation that cannot be read, as far as it goes.

        When attribution is all the capture is read for, ``error`` refuses the capture (it is
        raised); else it joins ``refused`` and model quality and bias still read the prediction.
        """
        if not self.needs_labels:
            raise error
        refused.append(error)

    def _instances(
        self,
        located: Sequence[LocatedPrediction],
        key: str,
        seconds: float,
        window: float,
        feature_rows: Sequence[Mapping[str, Any]] | None,
        record: CaptureRecord | None,
        request: EventData | None,
        records_shap: Sequence[LocalShap | None] | None = None,
        refused: list[CaptureError] | None = None,
    ) -> PendingInstances:
        """A request of several instances: instance ``i``'s prediction, bias and SHAP values.

        Bias reads instance ``i``'s values from the request's row ``i`` (by the config's
        ``headers``, or the record's feature rows: ``feature_rows`` when the caller has
        built them, else ``record``'s); a request whose rows are not one per
        prediction is refused, never read by position. SHAP values are instance ``i``'s
        record (``records_shap``: a Clarify response's ``kernel_shap``, or the output's at
        ``shap_path``), which must then explain as many records as there are predictions:
        one record's ``shap`` object for several predictions is refused, ``bad_explanations``.
        The request waits as one entry, one record of the join changelog: one of more than
        ``MAX_INSTANCES`` instances, or whose instances' bias values (facets, flip-test
        features) weigh more than ``MAX_ENTRY_BYTES``, is refused, ``multi_row_output``.
        """
        if len(located) > MAX_INSTANCES:
            msg = MULTI_ROW_OUTPUT
            raise CaptureError(
                msg,
                f"the output holds {len(located)} predictions; a request joins at most "
                f"{MAX_INSTANCES:,} instances (its waiting entry is one changelog record)",
            )
        rows: list[dict[str, Any]] = [{} for _ in located]
        if self.bias is not None:
            if self.bias.input_columns is not None:
                rows = self.bias.input_columns.values_each(request)
            elif self.builder is not None and (feature_rows is not None or record is not None):
                if feature_rows is None:
                    feature_rows = self.builder.rows(record) if record is not None else []
                rows = [{n: r.get(n) for n in self.bias_columns} for r in feature_rows]
            else:
                msg = MULTI_ROW_OUTPUT
                why = (
                    "bias reads several instances' facets from the request by the config's headers"
                )
                raise CaptureError(msg, f"the output holds {len(located)} predictions; {why}")
            if len(rows) != len(located):
                msg = MULTI_ROW_OUTPUT
                raise CaptureError(
                    msg,
                    f"the output holds {len(located)} predictions but the request {len(rows)} rows",
                )
        shaps = _readable_records(records_shap or [], len(located), refused)
        instances = [
            PendingPrediction(key, seconds, window, predicted, score, row, shap)
            for (predicted, score), row, shap in zip(located, rows, shaps, strict=True)
        ]
        entry = PendingInstances(key, seconds, window, instances=instances)
        if self.bias is not None:  # each instance keeps its facet and flip-test values
            size = len(entry.to_bytes()) + len(key.encode())
            if size > MAX_ENTRY_BYTES:
                msg = MULTI_ROW_OUTPUT
                raise CaptureError(
                    msg,
                    f"the output holds {len(located)} predictions whose bias values make a "
                    f"waiting entry of {size:,} bytes; one changelog record holds at most "
                    f"{MAX_ENTRY_BYTES:,}",
                )
        return entry


def _records_with_shap(
    key: str, seconds: float, window: float, response_shap: Sequence[LocalShap | None], records: int
) -> PendingPrediction:
    """The records of an output, each with its SHAP values (attribution only).

    Several records are the instances of one entry, so that each one counts.
    """
    shaps = _per_record(response_shap, records)
    if records <= 1:  # (an empty response: one prediction, as any other output)
        return PendingPrediction(key, seconds, window, shap=shaps[0] if shaps else None)
    instances = [PendingPrediction(key, seconds, window, shap=shap) for shap in shaps]
    return PendingInstances(key, seconds, window, instances=instances)


def _readable_records(
    response_shap: Sequence[LocalShap | None], predictions: int, refused: list[CaptureError] | None
) -> list[LocalShap | None]:
    """:func:`_per_record`, except that a mismatch is added to ``refused`` and explains none.

    The predictions are still read (model quality and bias); ``refused`` None: it raises.
    """
    try:
        return _per_record(response_shap, predictions)
    except CaptureError as error:
        if refused is None:
            raise
        refused.append(error)
        return [None] * predictions


def _per_record(
    response_shap: Sequence[LocalShap | None], predictions: int
) -> list[LocalShap | None]:
    """The SHAP values of each of ``predictions`` records (None: not explained).

    An output without explanations (``[]``) explains none; otherwise CaptureError
    ``bad_explanations`` when it explains another number of records than it predicts.
    """
    if not response_shap:
        return [None] * predictions
    if len(response_shap) != predictions:
        msg = BAD_EXPLANATIONS
        raise CaptureError(
            msg, f"the SHAP values explain {len(response_shap)} records but the output holds "
            f"{predictions} predictions",
        )  # fmt: skip
    return list(response_shap)
