"""Chinese human text for fixed-key calibration: Debian's ``manpages-zh``, read where it is installed.

The pages are never copied into the project: ``.ci/install-chinese-text`` installs the
package, and tests that need it skip with the reason when it is absent. Only the prose is
kept: roff request lines are dropped, inline font and escape codes removed, and a line is
kept when at least 30% of its characters are CJK ideographs.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

MANUAL_ROOT = Path("/usr/share/man")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ROFF_ESCAPE = re.compile(r"\\f[BIRP]|\\\(..|\\[-e&|^]|\\\*.|\\s[-+]?\d")


def chinese_manual_text(locale: str = "zh_CN") -> str | None:
    """The prose of every Chinese manual page of ``locale``, one line per source line; None when absent."""
    pages = sorted((MANUAL_ROOT / locale).rglob("*.gz"))
    if len(pages) < 500:  # man-db alone ships a few dozen pages; manpages-zh brings hundreds
        return None
    lines = []
    for page in pages:
        try:
            source = gzip.decompress(page.read_bytes()).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for line in source.splitlines():
            if line.startswith((".", "'")):
                continue
            line = _ROFF_ESCAPE.sub("", line).strip()
            if line and len(_CJK.findall(line)) >= 0.3 * len(line):
                lines.append(line)
    return "\n".join(lines)
