"""Kafka plumbing: the embedded Tansu broker, topics, client security, producers.

Topic names and their creation, the keyed and capture producers, dead letters, and a
consumer that reads past record batches that do not decode.
"""
