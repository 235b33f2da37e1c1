"""Label records (SageMaker ground truth, Amazon A2I output) and their consolidation.

The join of labels with predictions is :mod:`stream.monitors.label_join` (one rule for the
worker and for ``driftline analyze``).
"""

from ground_truth.a2i import HumanLoopOutput, WorkerAnswer, parse_human_loop_output
from ground_truth.consolidation import (
    AnswerConsolidator,
    ConsolidatedLabel,
    ConsolidationCounts,
    ground_truth_from_loop,
)
from ground_truth.records import (
    GroundTruth,
    LabelRecordError,
    parse_ground_truth,
    to_ground_truth_record,
    to_merged_record,
)

__all__ = [
    "AnswerConsolidator",
    "ConsolidatedLabel",
    "ConsolidationCounts",
    "GroundTruth",
    "HumanLoopOutput",
    "LabelRecordError",
    "WorkerAnswer",
    "ground_truth_from_loop",
    "parse_ground_truth",
    "parse_human_loop_output",
    "to_ground_truth_record",
    "to_merged_record",
]
