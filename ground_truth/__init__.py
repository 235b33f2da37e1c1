"""Label records (SageMaker ground truth, Amazon A2I output), consolidation and the label join."""

from ground_truth.a2i import HumanLoopOutput, WorkerAnswer, parse_human_loop_output
from ground_truth.consolidation import (
    AnswerConsolidator,
    ConsolidatedLabel,
    ConsolidationCounts,
    ground_truth_from_loop,
)
from ground_truth.join import ExpiredCounts, JoinCounts, LabeledInference, LabelJoiner, Prediction
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
    "ExpiredCounts",
    "GroundTruth",
    "HumanLoopOutput",
    "JoinCounts",
    "LabelJoiner",
    "LabelRecordError",
    "LabeledInference",
    "Prediction",
    "WorkerAnswer",
    "ground_truth_from_loop",
    "parse_ground_truth",
    "parse_human_loop_output",
    "to_ground_truth_record",
    "to_merged_record",
]
