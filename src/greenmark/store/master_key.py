"""The master key: from an explicit value, ``GREENMARK_MASTER_KEY``, or a 0600 key file.

The key file (``GREENMARK_HOME/master.key``, 64 hex digits) is created on first use, atomically:
the key is written to a private temporary file (``O_CREAT | O_EXCL``, mode 0600), synced, and
hard-linked into place, so a concurrent opener sees either no file or the complete key, and two
first uses racing each other end up with the same key.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "master.key"
>>> key = read_or_create_key_file(path)
>>> read_or_create_key_file(path) == key, oct(path.stat().st_mode & 0o777)
(True, '0o600')
"""

import base64
import binascii
import logging
import os
import secrets
from pathlib import Path

from greenmark.store.crypto import MASTER_KEY_BYTES
from greenmark.store.errors import MasterKeyError

logger = logging.getLogger(__name__)


def parse_master_key(text: str | bytes) -> bytes:
    """32 key bytes from 64 hex digits or base64 (standard or URL-safe) text; raw 32 bytes pass through.

    >>> parse_master_key("11" * 32) == bytes([0x11]) * 32
    True
    >>> parse_master_key(base64.b64encode(bytes(32)).decode()) == bytes(32)
    True
    """
    if isinstance(text, bytes):
        if len(text) == MASTER_KEY_BYTES:
            return text
        text = text.decode("ascii", errors="replace")
    text = text.strip()
    if len(text) == 2 * MASTER_KEY_BYTES:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        decoded = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != MASTER_KEY_BYTES:
        raise MasterKeyError(
            f"a master key is {2 * MASTER_KEY_BYTES} hex digits or the base64 of {MASTER_KEY_BYTES} bytes"
        )
    return decoded


def read_key_file(path: Path) -> bytes:
    """The master key stored in ``path``; a warning (logged) when group or others may access the file, as ssh does."""
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode & 0o777
    except OSError as error:
        raise MasterKeyError(f"cannot read the master key file {path}: {error.strerror}") from error
    if mode & 0o077:
        logger.warning(
            "warning: the master key file %s is accessible by group or others (mode %04o): run chmod 600 %s",
            path,
            mode,
            path,
        )
    try:
        return parse_master_key(data.decode("ascii"))
    except UnicodeDecodeError:
        raise MasterKeyError(f"the master key file {path} is malformed: it is not ASCII text") from None
    except MasterKeyError as error:
        raise MasterKeyError(f"the master key file {path} is malformed: {error}") from error


def read_or_create_key_file(path: Path) -> bytes:
    """The master key in ``path``, generating a fresh one (file mode 0600) if the file does not exist."""
    if path.exists():
        return read_key_file(path)
    key = secrets.token_bytes(MASTER_KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise MasterKeyError(f"cannot create the master key file {path}: {error.strerror}") from error
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return read_key_file(path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)
    return key


def _sync_directory(directory: Path) -> None:
    # Make the new directory entry durable: losing the master key loses every stored key.
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
