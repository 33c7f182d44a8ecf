"""Private files: uploads waiting to be imported, error reports, generated exports, and the
photos and scans attached to meetings and progress reports.

They live under RONGHE_PRIVATE_DIR (never a web-served directory), under random names, are
readable by the service user only, and are deleted after use or by the hourly purge
(SECURITY.md F-2).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.http import FileResponse, Http404

# "attachments" are kept (meeting records, evidence); the others are temporary, purged hourly.
KINDS = ("uploads", "reports", "exports", "attachments")

# What a photo or scan's first bytes must be, whatever its name or the browser says it is.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """(content type, suffix) of a JPEG, PNG or PDF by its signature, or None."""
    for signature, content_type, suffix in SIGNATURES:
        if head.startswith(signature):
            return content_type, suffix
    return None


def photo_or_scan(upload: Any) -> tuple[str, str] | None:
    """Sniff an uploaded file (Django's UploadedFile or an open binary file) and rewind it."""
    handle: IO[bytes] = upload.file if hasattr(upload, "file") else upload
    handle.seek(0)
    kind = sniff_type(handle.read(8))
    handle.seek(0)
    return kind


def directory(kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(kind)
    path = Path(settings.RONGHE_PRIVATE_DIR) / kind
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def new_name(suffix: str) -> str:
    return secrets.token_hex(16) + suffix


def path_of(kind: str, name: str) -> Path:
    """The file behind a stored name; a name that tries to leave the directory is refused."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("bad private file name")
    return directory(kind) / name


def store(kind: str, chunks: Iterable[bytes], suffix: str = "") -> tuple[str, str, int]:
    """Write the chunks to a new private file: (stored name, SHA-256, size)."""
    name = new_name(suffix)
    digest = hashlib.sha256()
    size = 0
    target = path_of(kind, name)
    with target.open("xb") as handle:
        target.chmod(0o600)
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
    return name, digest.hexdigest(), size


def delete(kind: str, name: str) -> None:
    if name:
        path_of(kind, name).unlink(missing_ok=True)


def purge(kind: str, older_than_hours: int) -> int:
    """Delete files older than the given age; returns how many went."""
    limit = time.time() - older_than_hours * 3600
    removed = 0
    for path in directory(kind).iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def attachment_response(attachment: Any) -> FileResponse:
    """Send a kept photo or scan (a row with `stored_name`, `name`, `content_type`) to a user
    the caller has let through the gate: images inline, PDFs as a download, never cached."""
    path = path_of("attachments", attachment.stored_name)
    if not path.exists():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=attachment.content_type == "application/pdf",
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
