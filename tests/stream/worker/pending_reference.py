"""A plain-dict reference of the pending store's semantics, for tests."""

from __future__ import annotations


class ReferencePending:
    """Entries in a dict: ``(namespace, key) → (value, expires_at)``."""

    def __init__(self, entries: dict[tuple[str, str], tuple[bytes, float]] | None = None) -> None:
        self.entries = dict(entries or {})

    def copy(self) -> ReferencePending:
        return ReferencePending(self.entries)

    def put(self, namespace: str, key: str, value: bytes, expires_at: float) -> None:
        self.entries[(namespace, key)] = (value, expires_at)

    def delete(self, namespace: str, key: str) -> None:
        self.entries.pop((namespace, key), None)

    def get(self, namespace: str, key: str) -> bytes | None:
        entry = self.entries.get((namespace, key))
        return None if entry is None else entry[0]

    def count(self, namespace: str) -> int:
        return sum(1 for ns, _ in self.entries if ns == namespace)

    def expire(self, now: float, limit: int) -> list[tuple[str, str, bytes]]:
        """Oldest first; ties by ``<namespace>/<key>`` as UTF-8 bytes."""
        due = sorted(
            (expires_at, f"{ns}/{key}".encode(), ns, key)
            for (ns, key), (_, expires_at) in self.entries.items()
            if expires_at <= now
        )[:limit]
        out = []
        for _, _, ns, key in due:
            out.append((ns, key, self.entries.pop((ns, key))[0]))
        return out
