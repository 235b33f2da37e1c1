"""Pure statistics and checks: sketches, data quality, model quality, bias, attribution, drift.

Nothing in this package does I/O or knows about Kafka; ``stream`` translates at the edge.
Every detector follows :class:`detectors.base.Detector`; the conformance suite in
``tests/detectors/test_conformance.py`` finds each class that defines ``_test_params``.
"""
