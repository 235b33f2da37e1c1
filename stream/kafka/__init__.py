"""Kafka plumbing: the embedded Tansu broker, topics, client security, producers.

Topic names and their creation, the keyed and capture producers, dead letters.
"""
