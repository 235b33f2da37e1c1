"""Conformance suite: every detector class that defines ``_test_params`` and ``_test_stream``.

A detector gets these checks by existing in a module under ``detectors/``:

- ``_test_params()`` yields keyword dicts for its constructor;
- ``_test_stream(rng, n)`` returns ``n`` valid observations (a seeded stream, two regimes
  where that makes sense);
- ``_merge_tolerance`` (class attribute, default 0) is the documented absolute error of
  ``merge`` against one stream, for sketch-based readings.

DataSketches' KLL sketch draws its compaction coin flips from an unseeded generator, so
two KLL-backed detectors fed the same stream (or a restored one fed the rest of it) agree
within the sketch's error bound, not bit for bit. For classes with a positive
``_merge_tolerance`` the determinism and round-trip checks compare readings within that
tolerance; for every other class they demand equality.
"""

from __future__ import annotations

import copy
import inspect
import math
import random
from typing import Any

import orjson
import pytest

from detectors.base import NotMergeable, Reading
from detectors.registry import detector_classes

IMMUTABLE_DEFAULTS = (int, float, str, bool, type(None), tuple, frozenset, bytes)


def cases() -> list[Any]:
    out = []
    for cls in detector_classes():
        for i, params in enumerate(cls._test_params()):
            out.append(pytest.param(cls, params, id=f"{cls.__name__}-{i}"))
    return out


CASES = cases()


def feed(detector: Any, xs: list[Any]) -> None:
    for x in xs:
        detector.update(x)


def stream(cls: type, n: int, seed: int = 42) -> list[Any]:
    return list(cls._test_stream(random.Random(seed), n))  # type: ignore[attr-defined]


def assert_readings_close(a: Reading, b: Reading, tol: float) -> None:
    assert a.detector == b.detector
    assert a.n == b.n
    if a.value is None or b.value is None:
        assert a.value is b.value
    elif math.isinf(a.value) or math.isinf(b.value):
        assert a.value == b.value
    else:
        assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=max(tol, 1e-12)), (a, b)
    if tol == 0:
        assert a.alarm == b.alarm


def test_suite_found_detectors() -> None:
    assert len(CASES) >= 1


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_repr_docstring_and_defaults(cls: type, params: dict[str, Any]) -> None:
    detector = cls(**params)
    assert repr(detector)
    assert str(detector)
    assert cls.__doc__ and "Examples" in cls.__doc__, "public detectors document an example"
    for p in inspect.signature(cls.__init__).parameters.values():
        if p.name == "self":
            continue
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"{p.name} must be keyword-only"
        if p.default is not inspect.Parameter.empty:
            assert isinstance(p.default, IMMUTABLE_DEFAULTS), f"{p.name} default is mutable"


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_cold_start_reading(cls: type, params: dict[str, Any]) -> None:
    reading = cls(**params).reading()
    assert isinstance(reading, Reading)
    assert reading.value is None
    assert reading.alarm is False
    assert reading.n == 0


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_update_does_not_mutate_input(cls: type, params: dict[str, Any]) -> None:
    detector = cls(**params)
    for x in stream(cls, 200):
        before = copy.deepcopy(x)
        detector.update(x)
        assert x == before


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_state_round_trip_through_json(cls: type, params: dict[str, Any]) -> None:
    xs = stream(cls, 3000)
    detector = cls(**params)
    feed(detector, xs[:2000])
    state = detector.to_state()
    assert set(state) >= {"kind", "version", "params", "state"}
    restored = cls.from_state(orjson.loads(orjson.dumps(state)))
    assert restored.reading() == detector.reading()
    # the restored detector behaves exactly like the original from here on
    feed(detector, xs[2000:])
    feed(restored, xs[2000:])
    tol = getattr(cls, "_merge_tolerance", 0.0)
    if tol:
        assert_readings_close(restored.reading(), detector.reading(), tol)
    else:
        assert restored.reading() == detector.reading()
    wrong = dict(state, version=state["version"] + 1)
    with pytest.raises(ValueError, match="version"):
        cls.from_state(wrong)


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_merge_of_two_halves_equals_one_stream(cls: type, params: dict[str, Any]) -> None:
    xs = stream(cls, 4000)
    a, b, both = cls(**params), cls(**params), cls(**params)
    feed(a, xs[:1500])
    feed(b, xs[1500:])
    feed(both, xs)
    try:
        a.merge(b)
    except NotMergeable:
        assert "merge" in (cls.__doc__ or "").lower()
        return
    assert_readings_close(a.reading(), both.reading(), getattr(cls, "_merge_tolerance", 0.0))


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_deterministic_with_fixed_seed(cls: type, params: dict[str, Any]) -> None:
    xs = stream(cls, 2000)
    a, b = cls(**params), cls(**params)
    feed(a, xs)
    feed(b, xs)
    tol = getattr(cls, "_merge_tolerance", 0.0)
    if tol:
        assert_readings_close(a.reading(), b.reading(), tol)
        return
    assert a.reading() == b.reading()
    assert orjson.dumps(a.to_state()) == orjson.dumps(b.to_state())


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_update_many_equals_update_loop(cls: type, params: dict[str, Any]) -> None:
    if not hasattr(cls, "update_many"):
        pytest.skip("no update_many")
    xs = stream(cls, 1000)
    a, b = cls(**params), cls(**params)
    feed(a, xs)
    b.update_many(xs)
    assert_readings_close(a.reading(), b.reading(), getattr(cls, "_merge_tolerance", 0.0))


@pytest.mark.parametrize(("cls", "params"), CASES)
def test_state_stays_bounded(cls: type, params: dict[str, Any]) -> None:
    xs = stream(cls, 100_000, seed=7)
    detector = cls(**params)
    add = detector.update_many if hasattr(detector, "update_many") else None
    first, rest = xs[:20_000], xs[20_000:]
    if add is not None:
        add(first)
    else:
        feed(detector, first)
    size_20k = len(orjson.dumps(detector.to_state()))
    if add is not None:
        add(rest)
    else:
        feed(detector, rest)
    size_100k = len(orjson.dumps(detector.to_state()))
    assert detector.reading().n == 100_000
    assert size_100k <= 1.5 * size_20k + 4096, (size_20k, size_100k)
