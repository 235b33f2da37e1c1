"""The streaming worker, one process of the consumer group.

faust app and process lifecycle, per-partition capture windows, the label join with its
durable pending store, snapshots and checkpoints (restart safety), the aggregator that merges
partials, online detectors, output messages and Prometheus metrics.
"""
