"""The Kafka edge: faust app, topics, codecs, windows, aggregator, config, CLI and metrics."""

__version__ = "0.1.0"
