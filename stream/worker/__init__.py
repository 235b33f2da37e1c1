"""The streaming worker, one process of the consumer group.

faust app and process lifecycle, per-partition capture windows, the aggregator that merges
partials, online detectors, output messages and Prometheus metrics.
"""
