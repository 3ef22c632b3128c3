"""The ``greenmark`` command: the group, ``--version``, and the one place library errors become exit status 2.

Exit status of every command: 0 success, 2 usage or input error (one line on stderr, no
traceback), 130 interrupted; ``greenmark detect`` also exits 1 when it finds a watermark.

>>> from click.testing import CliRunner
>>> CliRunner().invoke(cli, ["--version"]).output.startswith("greenmark ")
True
"""

from __future__ import annotations

import click

from greenmark import __version__
from greenmark.cli.apikeys import apikeys
from greenmark.cli.audit import audit
from greenmark.cli.common import InputError
from greenmark.cli.detect import detect
from greenmark.cli.evaluate import evaluate
from greenmark.cli.generate import generate
from greenmark.cli.highlight import highlight
from greenmark.cli.keys import keys
from greenmark.cli.receipts import receipts
from greenmark.cli.scan import scan
from greenmark.cli.serve import serve
from greenmark.store import StoreError
from greenmark.watermark import WatermarkError
from greenmark.watermark.spec import SCHEME_VERSION


class GreenmarkGroup(click.Group):
    """Turns the key store's and the watermark library's errors into one-line input errors (exit 2)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (StoreError, WatermarkError) as error:
            raise InputError(" ".join(str(error).split())) from None
        except KeyboardInterrupt:  # not click's exit status 1, which detect uses for "watermark found"
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None


@click.group(cls=GreenmarkGroup, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(
    __version__, "--version", prog_name="greenmark", message=f"%(prog)s %(version)s (watermark scheme {SCHEME_VERSION})"
)
def cli() -> None:
    """Keyed green-list (KGW) watermarking: make keys, generate watermarked text, detect it.

    Keys live encrypted in the key store: $GREENMARK_HOME (default: the user data
    directory) or $GREENMARK_DB_URL, under the master key $GREENMARK_MASTER_KEY or
    GREENMARK_HOME/master.key. Exit status: 0 success (detect: no watermark found),
    1 detect found a watermark, 2 usage or input error, 130 interrupted.
    """


for command in (keys, apikeys, generate, detect, highlight, serve, scan, evaluate, receipts, audit):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``greenmark`` console script."""
    cli(prog_name="greenmark")


if __name__ == "__main__":
    main()
