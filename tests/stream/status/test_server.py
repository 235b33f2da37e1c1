"""The HTTP server: routes, readiness, /metrics from the private registry, a taken port."""

from __future__ import annotations

import socket
import struct
import time
import urllib.error
import urllib.request

import orjson
import pytest
from prometheus_client import Counter, Gauge

from stream.status.board import StatusBoard
from stream.status.server import Readiness, StatusServer, StatusServerError
from tests.stream.status.windows import model_quality_window


def get(port: int, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.headers["Content-Type"], r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.fixture
def served(registry):
    Counter("driftline_test_things", "things", registry=registry).inc(3)
    board = StatusBoard()
    for kind, doc in model_quality_window(0, 0.7):
        board.apply(kind, doc)
    state = {"assigned": 0, "answered": True}
    server = StatusServer.bind("127.0.0.1", 0, registry)
    server.serve(board, Readiness(lambda: state["assigned"], lambda s: state["answered"]))
    yield server, state
    server.stop()


def test_a_taken_port_is_a_clear_error(registry):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StatusServerError, match=f"port {port} on 127.0.0.1 is already in use"):
            StatusServer.bind("127.0.0.1", port, registry)


def test_an_address_that_is_not_ours_is_a_clear_error(registry):
    with pytest.raises(StatusServerError, match="cannot listen on 192.0.2.1:0"):
        StatusServer.bind("192.0.2.1", 0, registry)  # TEST-NET-1: never a local address


def test_healthz_and_readyz_follow_partitions_and_broker(served):
    server, state = served
    assert get(server.port, "/healthz")[0] == 200
    code, _, body = get(server.port, "/readyz")
    assert code == 503 and orjson.loads(body)["reasons"] == [
        "no capture partitions assigned to this worker"
    ]
    state["assigned"] = 2
    assert get(server.port, "/readyz")[0] == 200
    state["answered"] = False
    code, _, body = get(server.port, "/readyz")
    assert code == 503 and "broker has not answered" in orjson.loads(body)["reasons"][0]


def test_metrics_come_from_the_private_registry(served):
    server, _ = served
    code, content_type, body = get(server.port, "/metrics")
    assert code == 200 and content_type.startswith("text/plain")
    assert "driftline_test_things_total 3.0" in body.decode()


def test_page_script_and_json(served):
    server, _ = served
    code, content_type, html = get(server.port, "/")
    assert code == 200 and content_type.startswith("text/html")
    for asset in (b"/static/charts.js", b"/static/status.js", b"/static/status.css"):
        assert asset in html
        assert get(server.port, asset.decode())[0] == 200
    status = orjson.loads(get(server.port, "/api/status")[2])
    assert status["worker"]["assigned_partitions"] == 0
    (monitor,) = status["summary"]["monitors"]
    assert monitor["monitor"] == "credit" and monitor["windows"][0]["violations"] == 1
    query = "monitor=credit&type=model_quality&start=2024-03-05T14:00:00Z"
    detail = orjson.loads(get(server.port, f"/api/window?{query}")[2])
    assert detail["violations"][0]["name"] == "accuracy"
    assert get(server.port, "/api/window?monitor=credit&type=model_quality&start=x")[0] == 400
    assert get(server.port, "/api/window?monitor=nobody&start=2024-03-05T14:00:00Z")[0] == 404
    code, _, body = get(server.port, "/api/window")
    assert code == 400
    assert orjson.loads(body)["error"].startswith("give monitor and start: /api/window?")
    assert get(server.port, "/nothing")[0] == 404


def test_a_window_is_asked_for_by_its_start_and_end(served):
    """Two windows share a start after a restart with another window length."""
    server, _ = served
    board = server.board
    for kind, doc in model_quality_window(0, 0.9):  # [14:00, 14:02): no violation
        board.apply(kind, {**doc, "window_end": "2024-03-05T14:02:00Z"})
    start = "monitor=credit&type=model_quality&start=2024-03-05T14:00:00Z"
    windows = orjson.loads(get(server.port, "/api/status")[2])["summary"]["monitors"][0]["windows"]
    assert [(w["end"][11:16], w["violations"]) for w in windows] == [("14:01", 1), ("14:02", 0)]
    for end, violations in (("14:01", ["accuracy"]), ("14:02", [])):
        query = f"{start}&end=2024-03-05T{end}:00Z"
        detail = orjson.loads(get(server.port, f"/api/window?{query}")[2])
        assert [v["name"] for v in detail["violations"]] == violations
    latest = orjson.loads(get(server.port, f"/api/window?{start}")[2])
    assert latest["window"]["end"] == "2024-03-05T14:02:00Z"
    assert get(server.port, f"/api/window?{start}&end=2024-03-05T14:03:00Z")[0] == 404
    assert get(server.port, f"/api/window?{start}&end=soon")[0] == 400


def test_summary_is_rebuilt_only_after_the_board_changed(served):
    server, _ = served
    first = server.summary_bytes()
    assert server.summary_bytes() is first
    for kind, doc in model_quality_window(1, 0.9):
        server.board.apply(kind, doc)
    assert len(orjson.loads(server.summary_bytes())["monitors"][0]["windows"]) == 2


def test_a_client_that_hangs_up_mid_answer_is_no_error(registry, caplog, capsys):
    """A scraper that gives up (its timeout) while a large /metrics is written: the server
    logged the broken pipe as a failed request with its traceback, then printed a second
    one trying to answer 500 on the closed connection."""
    gauge = Gauge("driftline_test_wide", "many series", ["feature"], registry=registry)
    for i in range(150_000):  # ~10 MB of text: more than the sockets' buffers take
        gauge.labels(f"feature_{i:06d}").set(i)
    server = StatusServer.bind("127.0.0.1", 0, registry)
    server.serve(StatusBoard(), Readiness(lambda: 1, lambda s: True))
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            client.recv(1024)  # the answer has begun
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(2.0)  # the server writes on into the reset connection
        assert get(server.port, "/healthz")[0] == 200  # and serves the next request
    finally:
        server.stop()
    assert "Traceback" not in capsys.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


def request(port: int, method: str, path: str, body: bytes | None = None):
    """(status, headers, body) of one ``method`` request."""
    ask = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    try:
        with urllib.request.urlopen(ask, timeout=5) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_head_answers_as_get_without_a_body(served):
    # curl -I and uptime checks ask with HEAD; it was 501 Unsupported method, in HTML
    server, state = served
    state["assigned"] = 4
    for path, code in (("/healthz", 200), ("/readyz", 200), ("/", 200), ("/nope", 404)):
        status, headers, body = request(server.port, "HEAD", path)
        _, _, got = get(server.port, path)
        assert (status, body) == (code, b""), path
        assert int(headers["Content-Length"]) == len(got), path


def test_other_methods_are_one_clear_405(served):
    # was 501 with an HTML error page: not a JSON answer, and 5xx reads as a server fault
    server, _ = served
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, headers, body = request(server.port, method, "/api/status", b'{"x": 1}')
        assert status == 405, method
        assert headers["Allow"] == "GET, HEAD"
        assert orjson.loads(body) == {"error": f"{method} is not served here: use GET or HEAD"}
    assert get(server.port, "/healthz")[0] == 200  # and the server serves on


def test_an_unknown_monitor_type_is_named_in_a_400(served):
    # was 404 "no such window on this board", as if the window were missing
    server, _ = served
    code, _, body = get(
        server.port, "/api/window?monitor=credit&type=data-quality&start=2024-03-05T14:00:00Z"
    )
    assert code == 400
    assert orjson.loads(body)["error"] == (
        "unknown type 'data-quality': one of data_quality, model_quality, bias_drift,"
        " feature_attribution_drift"
    )


def test_a_connection_that_sends_no_request_is_closed(registry):
    """A client that connects and says nothing held a handler thread for as long as it liked
    (hundreds of them, as many threads); now the server hangs up after the idle time."""
    server = StatusServer.bind("127.0.0.1", 0, registry, idle_seconds=0.2)
    server.serve(StatusBoard(), Readiness(lambda: 1, lambda seconds: True))
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle:
            assert idle.recv(1) == b""  # closed by the server, long before the client gives up
        assert get(server.port, "/healthz")[0] == 200
    finally:
        server.stop()
