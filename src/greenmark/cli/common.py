"""What the commands share: the input-error exception, reading text inputs, atomic writes, output helpers.

>>> document = Document.from_bytes("note.txt", "Hello".encode())
>>> document.name, document.text
('note.txt', 'Hello')
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from greenmark.display_names import display_name
from greenmark.input_size import DEFAULT_MAX_INPUT_BYTES, InputTooLargeError, read_at_most
from greenmark.store import DEFAULT_TENANT, KeyStore, TenantKeyring

BINARY_SNIFF_BYTES = 8192
PIPE_WIDTH = 200


class InputError(click.ClickException):
    """A bad input or an unusable key store: one line on stderr, exit status 2."""

    exit_code = 2


@dataclass(frozen=True)
class Document:
    """One text to work on, and the name to report it under."""

    name: str
    text: str

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Document:
        """Decode UTF-8 (dropping a byte-order mark); binary, undecodable or empty data is an ``InputError``."""
        if is_binary(data):
            raise InputError(f"{name} is a binary file, not text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(f"{name} is not UTF-8 text (invalid byte at offset {error.start})") from None
        if not text.strip():
            raise InputError(f"{name} is empty")
        return cls(name, text)

    @classmethod
    def from_path(cls, path: Path, max_bytes: int = DEFAULT_MAX_INPUT_BYTES) -> Document:
        """Read a file, or standard input for ``-`` (see ``read_input``)."""
        return cls.from_bytes(input_name(path), read_input(path, max_bytes))


def input_name(path: Path) -> str:
    """How an input is named in output: ``<stdin>`` for ``-``, else its path (escaped where not valid Unicode)."""
    return "<stdin>" if str(path) == "-" else display_name(str(path))


def read_input(path: Path, max_bytes: int = DEFAULT_MAX_INPUT_BYTES) -> bytes:
    """The bytes of a file, or of standard input for ``-``: at most ``max_bytes``, else an ``InputError``.

    A FIFO is read only if a writer holds it open already (as for ``<(command)``); with none it
    is empty, so the command never waits forever for one.

    >>> read_input(Path("/dev/null"))
    b''
    """
    name = input_name(path)
    try:
        if str(path) == "-":
            if sys.stdin is None:
                raise InputError("standard input is closed: give PATHs or --text")
            return read_at_most(sys.stdin.buffer, max_bytes)
        with _open_for_reading(path) as stream:
            return read_at_most(stream, max_bytes)
    except InputTooLargeError as error:
        raise InputError(f"{name} is {error}: raise it with --max-input-bytes") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a directory") from None
    except OSError as error:
        raise InputError(f"cannot read {name}: {error.strerror or error}") from None


def _open_for_reading(path: Path):
    """``path`` opened for binary reading without waiting for a FIFO's writer (``O_NONBLOCK`` for the open only)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def is_binary(data: bytes) -> bool:
    """Binary by the usual heuristic (git, grep): a NUL byte near the start.

    >>> is_binary(b"text"), is_binary(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    (False, True)
    """
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def check_output_path(path: Path) -> Path:
    """The rule of every output option: greenmark creates the file (or directory) named, never the directories
    above it; a missing parent is an ``InputError``, raised before any work is done.

    >>> check_output_path(Path("report.html"))
    PosixPath('report.html')
    >>> try:
    ...     check_output_path(Path("/no/such/dir/report.html"))
    ... except InputError as error:
    ...     print(error.message)
    cannot write /no/such/dir/report.html: directory /no/such/dir does not exist
    """
    parent = path.absolute().parent
    if not parent.is_dir():
        raise InputError(
            f"cannot write {display_name(str(path))}: directory {display_name(str(parent))} does not exist"
        )
    return path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` (mode 0600), then rename it over ``path``.

    A crash leaves either the old file or the complete new one, never half of it.
    """
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise InputError(f"cannot write {path}: {error.strerror or error}") from None
        raise


def tenant_keyring(tenant: str, tokenizers=None, quiet: bool = False) -> TenantKeyring:
    """The key store's keyring of ``tenant``; notes the keys left out (another tokenizer's), and an
    ``InputError`` when it has no key, or none that the tokenizers can test."""
    with KeyStore.open() as store:
        keyring = store.keyring(tenant, tokenizers)
    if not keyring.stored:
        raise InputError(
            f"tenant {tenant!r} has no watermark key to test: create one with `greenmark keys create NAME`"
        )
    for stored in keyring.skipped_keys:
        label = keyring.label(stored.key_id)
        note(f"warning: key {label} not tested: made for another tokenizer (pass --model or --tokenizer)", quiet)
    if not keyring.key_ids:
        raise InputError(f"no key of tenant {tenant!r} fits the given tokenizers")
    return keyring


def import_generator():
    """``greenmark.generator`` (torch, transformers), or an ``InputError`` naming the extra it needs."""
    try:
        import greenmark.generator as generator
    except ImportError as error:
        raise InputError(f"this needs the [generate] extra (pip install 'greenmark[generate]'): {error}") from None
    return generator


def model_option(help_text: str, default: str | None = None):
    """``--model``: an alias (default, smollm2), a .gguf file, a model directory or a cached hub name."""
    return click.option(
        "--model",
        default=default,
        help=f"{help_text} An alias (default: the embedded model; smollm2), a .gguf file, a model directory "
        "or a hub name in the local cache.",
    )


def echo_json(value) -> None:
    """Print ``value`` as indented JSON on stdout."""
    click.echo(json.dumps(value, indent=2))


def stdout_console() -> Console:
    """A console on the current stdout (so CliRunner captures it), wide when stdout is not a terminal."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=PIPE_WIDTH)


def new_table(*headers: str, caption: str | None = None) -> Table:
    """A rich table whose cells fold rather than cut long values (key ids must stay copyable)."""
    table = Table(caption=caption)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def stderr_console() -> Console:
    """A console on the current stderr for notes and progress."""
    return Console(stderr=True, highlight=False)


def progress_bar(total: int, quiet: bool) -> Progress:
    """A transient progress bar on stderr, shown for more than one item on a terminal unless ``quiet``."""
    console = stderr_console()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=quiet or total < 2 or not console.is_terminal,
    )


def note(message: str, quiet: bool = False) -> None:
    """A one-line note on stderr, unless ``quiet``."""
    if not quiet:
        click.echo(message, err=True)


def tenant_option(help_text: str, default: str | None = DEFAULT_TENANT):
    """``--tenant`` with its help; ``default=None`` means every tenant."""
    return click.option("--tenant", default=default, show_default=default is not None, help=help_text)


def max_input_bytes_option(what_happens: str):
    """``--max-input-bytes``, the size limit of each input (see ``greenmark.input_size``)."""
    return click.option(
        "--max-input-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_MAX_INPUT_BYTES,
        help=f"Largest input read, in bytes; {what_happens}.",
    )


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of text.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bars or notes on stderr.")
