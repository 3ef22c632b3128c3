"""Rotate keys forever (until killed); run by test_kill_rotation.py as a separate process.

Usage: ``python rotation_worker.py DATABASE_URL HOME SEED``. Prints ``ready`` once the store is
open, then ``TENANT NAME VERSION`` after each committed rotation.
"""

import random
import sys

from greenmark.store import KeyStore

KEYS = [("acme", "news"), ("acme", "sports"), ("globex", "news")]


def main(url: str, home: str, seed: int) -> None:
    rng = random.Random(seed)
    with KeyStore.open(url=url, home=home) as store:
        print("ready", flush=True)
        while True:
            tenant, name = rng.choice(KEYS)
            rotated = store.rotate(name, tenant)
            print(tenant, name, rotated.version, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
