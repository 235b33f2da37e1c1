"""Kafka plumbing: the embedded Tansu broker, topic names and creation, the capture producer."""
