"""End to end: a PostgreSQL key store that drops off the network gives 503 + Retry-After, and service resumes.

Issue 15, defect 7: a key-store outage was a 500 with a stack in the log. The server reaches
PostgreSQL through a TCP relay that the test cuts (every connection reset, new ones refused),
a real network outage as the server sees it. Caches are off so that each request needs the
database.
"""

from __future__ import annotations

import os
import socket
import threading

import httpx
import pytest
from sqlalchemy import make_url

from greenmark.store import KeyStore
from greenmark.watermark import WatermarkSpec, default_tokenizer
from tests.api.conftest import ServerProcess, bearer
from tests.store.conftest import POSTGRES_URL_VARIABLE, postgres_schema_url

BODY = {"inputs": [{"id": "a", "text": "a short text to test for a watermark"}]}


class TcpRelay:
    """Relays connections to 127.0.0.1:``port`` to ``target``; while ``down``, resets them all."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.down = target, False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            end.close()

    def cut(self) -> None:
        self.down = True
        for end in self._sockets:
            end.close()
        self._sockets.clear()

    def restore(self) -> None:
        self.down = False


@pytest.fixture
def relayed_store(tmp_path):
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set; run `.ci/start-postgres` and export its output")
    url, drop = postgres_schema_url(base_url)
    home = tmp_path / "home"
    with KeyStore.open(url=url, home=home) as store:
        store.create_key("news", spec=WatermarkSpec.for_tokenizer(default_tokenizer()), tenant="acme")
        token = store.create_api_key("acme", scopes=["detect"]).api_key
    parsed = make_url(url)
    relay = TcpRelay((parsed.host, parsed.port or 5432))
    relayed_url = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    yield home, relayed_url, token, relay
    drop()


def test_an_unreachable_key_store_is_503_with_retry_after_and_no_stack(relayed_store, tmp_path):
    home, url, token, relay = relayed_store
    settings = {
        "GREENMARK_DB_URL": url,
        "GREENMARK_DB_TIMEOUT": "2",
        "GREENMARK_API_API_KEY_CACHE_SECONDS": "0",
        "GREENMARK_API_CACHE_SECONDS": "0",
    }
    server = ServerProcess(home, tmp_path / "outage.log", settings)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            assert http.post("/v1/detect", json=BODY, headers=bearer(token)).status_code == 200
            relay.cut()
            answers = [
                http.post("/v1/detect", json=BODY, headers=bearer(token)),
                http.get("/v1/keys", headers=bearer(token)),
                http.get("/readyz"),
            ]
            relay.restore()
            resumed = http.post("/v1/detect", json=BODY, headers=bearer(token))
    finally:
        server.stop()
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 1
    outage_entries = [entry for entry in server.log_entries() if entry["message"] == "the key store is unavailable"]
    assert len(outage_entries) == 2 and not any("stack" in entry for entry in outage_entries)
    assert "Traceback" not in server.log() and "unhandled error" not in server.log()
    assert resumed.status_code == 200
