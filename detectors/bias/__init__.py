"""Clarify bias metrics over a stream: selection, counts, metrics, analysis.json, drift check."""
