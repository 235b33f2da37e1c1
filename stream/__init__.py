"""Everything with I/O, one subpackage per capability.

- ``cli``: the ``driftline`` commands (the only place that prints usage errors and exits);
- ``config``: the frozen configuration tree, from a TOML file and the environment;
- ``kafka``: the embedded broker, topic names and creation, client security settings,
  the keyed and capture producers, dead letters;
- ``capture``: SageMaker capture records — decoding, payload rows, the preprocess contract,
  prediction location, capture files and partitioning by inferenceId;
- ``labels``: label and attribution records on Kafka, and pushing label files into them;
- ``monitors``: the four monitors' baseline folders and their per-window runs, shared by
  ``batch`` and ``worker``;
- ``batch``: the file runs behind ``driftline analyze`` and ``driftline baseline suggest``;
- ``worker``: the streaming worker — faust app, process lifecycle, capture windows, the
  label join, snapshots and checkpoints, aggregator, online detectors, outputs and metrics;
- ``status``: the status page, ``/metrics`` and health endpoints every worker serves;
- ``demo``: synthetic traffic and the demo run.
"""

__version__ = "0.1.0"
