"""The status page every worker serves: what the monitors found, readable at a glance.

This package owns the worker's HTTP endpoints and what stands behind them:

- :mod:`~stream.status.server`: one HTTP server per worker process — ``/`` (the page),
  ``/static/…`` (its script and styles, package data, no network), ``/api/…`` (the JSON the
  page fetches), ``/metrics`` (the worker's private Prometheus registry), ``/healthz`` and
  ``/readyz``; a port already in use is a :class:`~stream.status.server.StatusServerError`;
- :mod:`~stream.status.follower`: reads the statistics, executions and violations topics
  with an *assigned* aiokafka consumer (no group), so every worker shows every monitor,
  whichever worker aggregates it;
- :mod:`~stream.status.board`: a bounded in-memory board of the recent windows of each
  (monitor, monitor type), keeping the latest revision of each message kind per window and
  only derived chart data (quantiles, top categories, metric values), never raw messages;
- :mod:`~stream.status.payloads`: the board as the page's JSON (timelines, window details).

It reads topics and baseline files; it never imports the worker or the batch runs.
"""
