"""A big snapshot's manifest in pages: only the pages whose entries changed are written again.

A snapshot's manifest names every blob with its digest and chunk offsets, ~70 bytes a blob.
A labelled monitor's partials partition keeps thousands of window blobs (14 days of
one-minute windows: 20,160, a manifest of ~1.4 MB), and a manifest goes out at every
checkpoint (every 2 s while partials come): ~60 GB a day written to the state topic for
a handful of changed windows. Past :data:`INLINE_BLOBS` blobs, the entries are therefore
spread over :data:`PAGES` pages by a stable hash of the blob's name; each page is written as
its own chunks (once, until one of its entries changes) and the manifest names the pages.

>>> entries = {f"m/window/{i}": ("d", [i]) for i in range(3)}
>>> pages = manifest_pages(entries)
>>> sorted(n for page in pages.values() for n in page_entries(page)) == sorted(entries)
True
>>> page_entries(pages[page_of("m/window/1")])["m/window/1"]
('d', [1])
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import orjson

INLINE_BLOBS = 1000  # a manifest naming more blobs than this is written in pages
PAGES = 64  # 20,160 windows: ~315 entries, ~22 KB a page

Entry = tuple[str, list[int]]  # a blob's digest and chunk offsets


def page_of(name: str) -> str:
    """The page a blob's entry lives on (stable across processes and versions)."""
    return str(zlib.crc32(name.encode()) % PAGES)


def manifest_pages(entries: Mapping[str, Entry]) -> dict[str, bytes]:
    """The entries, by page, each page serialised (entries sorted, so unchanged is equal)."""
    grouped: dict[str, dict[str, Entry]] = {}
    for name in sorted(entries):
        grouped.setdefault(page_of(name), {})[name] = entries[name]  # a JSON [digest, offsets]
    return {page: orjson.dumps(found) for page, found in grouped.items()}


def page_entries(page: bytes) -> dict[str, Entry]:
    """A page's entries, as :func:`manifest_pages` wrote them."""
    return entries_of(orjson.loads(page))


def entries_of(listed: Mapping[str, Any]) -> dict[str, Entry]:
    """Entries from their JSON form ``{name: [digest, offsets]}`` (a page's, a manifest's)."""
    return {name: (str(d), [int(o) for o in offsets]) for name, (d, offsets) in listed.items()}
