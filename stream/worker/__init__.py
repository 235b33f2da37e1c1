"""The streaming worker, one process of the consumer group.

faust app and process lifecycle, per-partition capture windows, the label join with its
durable pending store, snapshots and checkpoints (restart safety; big manifests in pages),
window partials (in chunks when one outgrows a message), the aggregator that merges them and
keeps labelled windows for late labels (settled ones packed), online detectors, output
messages and Prometheus metrics.
"""
