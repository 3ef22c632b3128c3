"""A rotation killed with SIGKILL at any moment leaves every key usable.

A real subprocess rotates keys in a tight loop and is killed at seeded random moments, several
times; afterwards the store must open, each (tenant, name) must have exactly one active version
(its newest, versions numbered 1..n without gaps), every committed rotation must be there, and
every stored secret must decrypt.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

import greenmark
from greenmark.store import KeyStatus, KeyStore

WORKER = Path(__file__).with_name("rotation_worker.py")
KILLS = 6
SEED = 20250101


def start_worker(url: str, home: Path, seed: int, log: Path) -> subprocess.Popen:
    source_root = str(Path(greenmark.__file__).parents[1])
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")])}
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, str(WORKER), url, str(home), str(seed)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )


def wait_until_ready(worker: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not log.read_text().startswith("ready"):
        if worker.poll() is not None:
            pytest.fail(f"the rotation worker exited early:\n{log.read_text()}")
        if time.monotonic() > deadline:
            worker.kill()
            pytest.fail("the rotation worker did not open the store in time")
        time.sleep(0.02)


def committed_versions(log: Path) -> dict[tuple[str, str], int]:
    """The newest version of each key the worker reported as committed (a cut-off last line is ignored)."""
    newest = {}
    for line in log.read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) == 3 and fields[2].isdigit():
            newest[(fields[0], fields[1])] = int(fields[2])
    return newest


@pytest.mark.slow
def test_sigkill_during_rotations_leaves_every_key_usable(database_url, home, tmp_path, spec):
    with KeyStore.open(url=database_url, home=home) as store:
        for tenant, name in [("acme", "news"), ("acme", "sports"), ("globex", "news")]:
            store.create_key(name, spec=spec, tenant=tenant)

    rng = random.Random(SEED)
    committed: dict[tuple[str, str], int] = {}
    for round_number in range(KILLS):
        log = tmp_path / f"worker-{round_number}.log"
        worker = start_worker(database_url, home, rng.randrange(2**32), log)
        wait_until_ready(worker, log)
        time.sleep(rng.uniform(0.05, 0.4))
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
        committed.update(committed_versions(log))
    assert committed, "no rotation committed before the kills: the test exercised nothing"

    with KeyStore.open(url=database_url, home=home) as store:
        versions = defaultdict(list)
        for stored in store.list_keys():
            versions[(stored.tenant, stored.name)].append(stored)
        assert set(versions) == {("acme", "news"), ("acme", "sports"), ("globex", "news")}
        for key, stored_versions in versions.items():
            numbers = [stored.version for stored in stored_versions]
            assert numbers == list(range(1, len(numbers) + 1)), f"{key}: versions {numbers} have gaps"
            active = [stored for stored in stored_versions if stored.status is KeyStatus.ACTIVE]
            assert [stored.version for stored in active] == [numbers[-1]], f"{key}: active versions {active}"
            assert numbers[-1] >= committed.get(key, 1), f"{key}: a committed rotation was lost"
            assert store.get_active(key[1], key[0]).version == numbers[-1]
        for tenant in ("acme", "globex"):
            detection_keys = store.keys_for_detection(tenant)
            assert all(key.key_id == metadata.key_id for key, _, metadata in detection_keys)
            assert len(detection_keys) == sum(len(v) for (t, _), v in versions.items() if t == tenant)
