"""Label records (SageMaker ground truth, Amazon A2I output), consolidation and the label join."""
