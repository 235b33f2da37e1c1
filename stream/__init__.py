"""The Kafka edge: faust app, topics, codecs, windows, aggregator, config, CLI and metrics."""
