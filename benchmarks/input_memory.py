"""Peak memory against input size: ``greenmark detect`` and ``greenmark scan`` on one long text.

For each size (MB) the input is human-dev text repeated to that many bytes, in one file. Each
command runs as a real subprocess in its own session, with ``--max-input-bytes`` above the
size; the peak is the largest sum of resident memory (VmRSS) over the command's processes
(main, pool workers, resource tracker), sampled every 20 ms. The base is the same command on a
100-byte file; the figures of merit are (peak - base) / input size and the marginal cost
(the growth of the peak from the previous size over the growth of the input), target <= 20. The named
peer, measured in the same run, is the Hugging Face ``tokenizers`` backend encoding the whole
text in one call (what detection did before long texts were cut into pieces): its own
(peak - base) / input size.

    python benchmarks/input_memory.py [--sizes 1 5 20 50]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from greenmark.corpus import book_paths
from greenmark.store import KeyStore
from greenmark.watermark import WatermarkSpec, default_tokenizer

GREENMARK = [sys.executable, "-m", "greenmark.cli.main"]
PEER = [
    sys.executable,
    "-c",
    "import sys; from greenmark.watermark import default_tokenizer; "
    "default_tokenizer().backend.encode(open(sys.argv[1], encoding='utf-8').read(), add_special_tokens=False)",
]
SAMPLE_INTERVAL_S = 0.02
MB = 1_000_000


def session_rss_bytes(session: int) -> int:
    """The summed VmRSS of every live process of ``session``."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) != session:
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def peak_rss(command: list[str], env: dict) -> tuple[int, float]:
    """(peak summed RSS in bytes, seconds) of ``command`` and its children."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, session_rss_bytes(process.pid))
        time.sleep(SAMPLE_INTERVAL_S)
    if process.returncode not in (0, 1):  # detect exits 1 when it finds a watermark
        raise SystemExit(f"{' '.join(command)} failed with exit status {process.returncode}")
    return peak, time.perf_counter() - started


def write_input(folder: Path, size: int, text: str) -> Path:
    path = folder / f"text-{size}" / "document.txt"
    path.parent.mkdir()
    path.write_bytes((text.encode("utf-8") * (size // len(text) + 1))[:size].rsplit(b" ", 1)[0])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 20], help="Input sizes in MB.")
    arguments = parser.parse_args()
    text = " ".join(path.read_text(encoding="utf-8") for path in book_paths("human-dev"))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = {**os.environ, "GREENMARK_HOME": str(folder / "home")}
        env.pop("GREENMARK_DB_URL", None)
        env.pop("GREENMARK_MASTER_KEY", None)
        with KeyStore.open(home=folder / "home") as store:
            store.create_key("news", spec=WatermarkSpec.for_tokenizer(default_tokenizer()))
        limit = str(int(max(arguments.sizes) * MB) + 1)

        def commands(path: Path) -> dict[str, list[str]]:
            output = path.parent.parent / f"{path.parent.name}.parquet"
            return {
                "greenmark detect": [*GREENMARK, "detect", path, "-q", "--max-input-bytes", limit],
                "greenmark scan": [
                    *GREENMARK, "scan", path.parent, "--out", output, "-q", "--workers", "1", "--max-input-bytes", limit
                ],
                "peer: tokenizers encode": [*PEER, path],
            }  # fmt: skip

        bases = {
            name: peak_rss(list(map(str, command)), env)[0]
            for name, command in commands(write_input(folder, 100, text)).items()
        }
        columns = f"{'input MB':>10}{'peak MB':>10}{'base MB':>10}{'(peak-base)/input':>19}{'marginal':>10}"
        print(f"{'command':<26}{columns}{'seconds':>9}")
        previous: dict[str, tuple[int, int]] = {}
        for size_mb in arguments.sizes:
            path = write_input(folder, int(size_mb * MB), text)
            size = path.stat().st_size
            for name, command in commands(path).items():
                peak, seconds = peak_rss(list(map(str, command)), env)
                ratio = (peak - bases[name]) / size
                last_size, last_peak = previous.get(name, (0, bases[name]))
                marginal = (peak - last_peak) / (size - last_size)
                previous[name] = (size, peak)
                figures = (
                    f"{size / MB:>10.1f}{peak / MB:>10.0f}{bases[name] / MB:>10.0f}{ratio:>19.1f}{marginal:>10.1f}"
                )
                print(f"{name:<26}{figures}{seconds:>9.1f}")


if __name__ == "__main__":
    main()
