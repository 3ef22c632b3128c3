"""Load test of the detection API on loopback: req/s and p50/p99 latency, single texts and batches.

Starts ``greenmark serve`` (the ``serve`` command, ``--workers 2`` by default) on 127.0.0.1
with a temporary key store, one watermark key and one API key, rate limiting off; then, for
each scenario (one 200-token text per request, or 16 per request) and concurrency (8, 32),
sends requests for ``--seconds`` or ``--max-requests``, whichever ends first, and counts
failures (transport errors and non-200 answers). The load generator (aiohttp) shares the
machine's cores with the server: figures are a floor for the server alone, whose own CPU time
per request (all its processes, from /proc) is printed beside them.

The audit log (one hash-chained record per detected text) is measured both ways: each round
starts a server with it off, one with it on (committed in the background, the default) and
one whose responses wait for the commit (``GREENMARK_API_AUDIT_WAIT_FOR_COMMIT=true``), in
turn; the summary gives each logging server's median req/s as a share of the median without it,
and its median server CPU per request against the same (steadier where the cores are shared).

    python benchmarks/api_load.py --seconds 5 --rounds 3
    python benchmarks/api_load.py --url http://127.0.0.1:8000 --api-key gmak_...   # an already running server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import httpx
import numpy as np

from greenmark.store import KeyStore
from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer

SERVE_COMMAND = [sys.executable, "-c", "from greenmark.cli.serve import serve; serve()"]
TEXT_TOKENS = 200
BATCH_SIZE = 16


def watermarked_texts(key: WatermarkKey, spec: WatermarkSpec, count: int) -> list[str]:
    """``count`` 200-token texts whose tokens are all green after the previous one."""
    rng = np.random.default_rng(0)
    texts = []
    for _ in range(count):
        ids = [int(rng.integers(spec.vocab_size))]
        while len(ids) < TEXT_TOKENS:
            ids.append(int(rng.choice(np.flatnonzero(spec.green_list(key, ids[-1:])))))
        texts.append(default_tokenizer().decode(ids))
    return texts


AUDIT_MODES = {
    "off": {"GREENMARK_API_AUDIT": "false"},
    "on": {"GREENMARK_API_AUDIT": "true"},
    "wait": {"GREENMARK_API_AUDIT": "true", "GREENMARK_API_AUDIT_WAIT_FOR_COMMIT": "true"},
}


def start_server(home: str, workers: int, audit: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GREENMARK_HOME": home, "GREENMARK_API_RATE_LIMIT_PER_SECOND": "0"}
    env.update(AUDIT_MODES[audit])
    env["GREENMARK_API_LOG_LEVEL"] = "WARNING"  # one access-log line per request would cost CPU here
    command = [*SERVE_COMMAND, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not become ready")


async def run_scenario(url: str, api_key: str, bodies: list[bytes], concurrency: int, seconds: float, budget: int):
    """Latencies (s) of successful requests, the failure count and the elapsed seconds.

    aiohttp, not httpx: on a 2-core machine the client shares the cores with the server, and
    httpx costs several times more CPU per request.
    """
    latencies: list[float] = []
    failures = 0
    sent = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout, headers=headers) as session:

        async def user() -> None:
            nonlocal failures, sent
            while sent < budget and time.perf_counter() < deadline:
                body = bodies[sent % len(bodies)]
                sent += 1
                started = time.perf_counter()
                try:
                    async with session.post("/v1/detect", data=body) as response:
                        await response.read()
                        ok = response.status == 200
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, failures, elapsed


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (Linux /proc)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measure(url: str, api_key: str, scenarios: dict, args, server: subprocess.Popen | None, audit: str) -> list[dict]:
    """One row per scenario and concurrency against the server at ``url``."""
    rows = []
    for name, requests in scenarios.items():
        bodies = [json.dumps(body).encode() for body in requests]
        for concurrency in args.concurrency:
            server_cpu = process_tree_cpu_seconds(server.pid) if server else None
            latencies, failures, elapsed = asyncio.run(
                run_scenario(url, api_key, bodies, concurrency, args.seconds, args.max_requests)
            )
            if server:
                server_cpu = process_tree_cpu_seconds(server.pid) - server_cpu
            texts_per_request = len(requests[0]["inputs"])
            rows.append(
                {
                    "audit": audit,
                    "scenario": name,
                    "concurrency": concurrency,
                    "requests": len(latencies) + failures,
                    "failures": failures,
                    "requests_per_s": round(len(latencies) / elapsed, 1),
                    "texts_per_s": round(len(latencies) * texts_per_request / elapsed, 1),
                    "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1) if latencies else None,
                    "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1) if latencies else None,
                    "server_cpu_ms_per_request": (
                        round(server_cpu * 1000 / max(len(latencies) + failures, 1), 2) if server else None
                    ),
                }
            )
    return rows


def audit_cost(rows: list[dict]) -> list[dict]:
    """Per logging mode, scenario and concurrency: median req/s, and median server CPU per request,
    against the medians with the log off (the CPU share is the steadier one on shared cores)."""
    runs: dict[tuple, list[dict]] = {}
    for row in rows:
        runs.setdefault((row["audit"], row["scenario"], row["concurrency"]), []).append(row)
    summary = []
    for (mode, scenario, concurrency), mode_runs in runs.items():
        off_runs = runs.get(("off", scenario, concurrency))
        if mode == "off" or not off_runs:
            continue
        off, rate = median_of(off_runs, "requests_per_s"), median_of(mode_runs, "requests_per_s")
        off_cpu, cpu = (
            median_of(off_runs, "server_cpu_ms_per_request"),
            median_of(mode_runs, "server_cpu_ms_per_request"),
        )
        summary.append(
            {
                "mode": mode,
                "scenario": scenario,
                "concurrency": concurrency,
                "off_req_s": off,
                "req_s": rate,
                "over_off": round(rate / off, 3),
                "off_cpu_ms": off_cpu,
                "cpu_ms": cpu,
                "cpu_over_off": round(cpu / off_cpu, 3) if cpu and off_cpu else None,
            }
        )
    return summary


def median_of(runs: list[dict], field: str) -> float | None:
    values = [run[field] for run in runs if run[field] is not None]
    return float(np.median(values)) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server on loopback (default: start one)")
    parser.add_argument("--api-key", help="API key for --url (its tenant needs a key of the default tokenizer)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes when starting one")
    parser.add_argument("--seconds", type=float, default=5.0, help="longest run of one scenario")
    parser.add_argument("--max-requests", type=int, default=5000, help="most requests of one scenario")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--rounds", type=int, default=1, help="servers started per audit setting, alternating")
    parser.add_argument(
        "--audit",
        choices=["all", *AUDIT_MODES],
        default="all",
        help="audit log setting(s) of the started servers",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("this benchmark only runs against loopback")
    if args.url and not args.api_key:
        raise SystemExit("--url needs --api-key")

    rows = []
    with tempfile.TemporaryDirectory() as home:
        spec = WatermarkSpec.for_tokenizer(default_tokenizer())
        with KeyStore.open(home=home) as store:
            store.create_key("bench", spec=spec, tenant="bench")
            api_key = args.api_key or store.create_api_key("bench", scopes=["detect"]).api_key
            key = store.keys_for_detection("bench")[0].key
        texts = watermarked_texts(key, spec, 64)
        scenarios = {
            "single": [{"inputs": [{"id": "0", "text": text}]} for text in texts],
            f"batch{BATCH_SIZE}": [
                {"inputs": [{"id": str(i), "text": texts[(j + i) % len(texts)]} for i in range(BATCH_SIZE)]}
                for j in range(len(texts))
            ],
        }
        if args.url:
            rows = measure(args.url, api_key, scenarios, args, None, "as running")
        else:
            modes = list(AUDIT_MODES) if args.audit == "all" else [args.audit]
            for _ in range(args.rounds):
                for mode in modes:
                    server, url = start_server(home, args.workers, mode)
                    try:
                        rows += measure(url, api_key, scenarios, args, server, mode)
                    finally:
                        server.terminate()
                        server.wait(timeout=30)
    summary = audit_cost(rows)
    if args.json:
        print(json.dumps({"runs": rows, "audit_cost": summary}, indent=2))
        return
    header = ("audit", "scenario", "conc", "requests", "failed", "req/s", "texts/s", "p50 ms", "p99 ms", "srv cpu ms")
    print(f"{header[0]:<11}{header[1]:<10}" + "".join(f"{title:>9}" for title in header[2:]))
    for row in rows:
        print(
            f"{row['audit']:<11}{row['scenario']:<10}{row['concurrency']:>6}{row['requests']:>10}{row['failures']:>8}"
            f"{row['requests_per_s']:>9}{row['texts_per_s']:>9}{row['p50_ms']!s:>9}{row['p99_ms']!s:>9}"
            f"{row['server_cpu_ms_per_request']!s:>11}"
        )
    for item in summary:
        print(
            f"audit log {item['mode']} / off, {item['scenario']} at concurrency {item['concurrency']}: median "
            f"{item['req_s']:.0f} / {item['off_req_s']:.0f} req/s = {item['over_off']:.1%}"
            + (
                f"; server CPU {item['cpu_ms']:.2f} / {item['off_cpu_ms']:.2f} ms per request"
                f" = {item['cpu_over_off']:.1%}"
                if item["cpu_over_off"]
                else ""
            )
        )


if __name__ == "__main__":
    main()
