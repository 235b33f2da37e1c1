"""Monitors a restored snapshot did not have: they start at the snapshot's offsets.

A worker restarted with a monitor added to its config (or model quality, bias or attribution
added to a monitor) restores each capture partition at the offsets its snapshot reached, so
the new monitor never sees the records read before: a new data-quality monitor's windows
begin with the records read from then on, and the labels of predictions read before can
never join — they wait out ``label_ttl_seconds`` and expire. :class:`AddedMonitors` logs
one warning per monitor saying so, the first time a restored snapshot lacks its state.

Examples
--------
>>> added = AddedMonitors()
>>> added.missing(["m", "m#labels"], {"m/clock": b"{}"})
['m#labels']
>>> added.missing(["m", "m#labels"], {})  # no snapshot: nothing was read before
[]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

log = logging.getLogger("driftline.worker")

LABELS_SUFFIX = "#labels"  # the snapshot name of a monitor's labelled state


class AddedMonitors:
    """Which monitors' states a restored capture snapshot lacked; each warned about once."""

    def __init__(self) -> None:
        self.warned: set[str] = set()

    @staticmethod
    def missing(names: Iterable[str], blobs: Mapping[str, bytes]) -> list[str]:
        """The state names of ``names`` with no blob in a snapshot that has others' blobs."""
        names = list(names)
        found = [name for name in names if any(k.startswith(f"{name}/") for k in blobs)]
        return [] if not found else [name for name in names if name not in found]

    def warn(self, names: Iterable[str], partition: int, label_ttl: Mapping[str, float]) -> None:
        """One warning for each state name not yet warned about.

        ``label_ttl`` gives each labelled monitor's ``label_ttl_seconds``.
        """
        for name in names:
            if name in self.warned:
                continue
            self.warned.add(name)
            if name.endswith(LABELS_SUFFIX):
                monitor = name.removesuffix(LABELS_SUFFIX)
                log.warning(
                    "monitor %s: its model quality, bias or attribution monitors were not in "
                    "the snapshot of capture partition %d (added to the config since): they "
                    "start at the snapshot's offsets, so labels of predictions read before "
                    "can never join and wait out label_ttl_seconds (%.0f s) before they expire",
                    monitor, partition, label_ttl.get(monitor, 0.0),
                )  # fmt: skip
            else:
                log.warning(
                    "monitor %s was not in the snapshot of capture partition %d (added to "
                    "the config since): it starts at the snapshot's offsets, records read "
                    "before are in none of its windows",
                    name, partition,
                )  # fmt: skip
