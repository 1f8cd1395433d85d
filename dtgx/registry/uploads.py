"""Uploaded base-list files waiting between preview and confirmation.

The upload step stores the file under ``REGISTRY_UPLOAD_DIR`` (default
``var/uploads/``) with a random name and remembers it in the user's
session; the confirm step loads that stored file and deletes it. Only a
token from the user's own session can name a file, so one user can never
confirm another's upload. Files left behind for over a day are removed at
the next upload.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.uploadedfile import UploadedFile

SESSION_KEY = "registry_pending_uploads"
MAX_AGE_SECONDS = 24 * 60 * 60
ALLOWED_SUFFIXES = frozenset({".csv", ".xlsx", ".xlsm"})
_TOKEN = re.compile(r"[0-9a-f]{32}")


def upload_dir() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "uploads"
    return Path(getattr(settings, "REGISTRY_UPLOAD_DIR", default))


@dataclass(frozen=True)
class PendingUpload:
    """A stored upload and what the user asked to load it as."""

    token: str
    file_name: str
    suffix: str
    region_code: str
    year: int
    reference_date: str

    @property
    def path(self) -> Path:
        return upload_dir() / f"{self.token}{self.suffix}"

    @property
    def reference_day(self) -> date:
        return date.fromisoformat(self.reference_date)


def suffix_of(name: str) -> str:
    return Path(name).suffix.lower()


def store_upload(
    file: UploadedFile, *, region_code: str, year: int, reference_date: date
) -> PendingUpload:
    """Write the upload under a random name (its suffix must be allowed)."""
    suffix = suffix_of(file.name or "")
    if suffix not in ALLOWED_SUFFIXES:
        raise ValueError("unsupported suffix")
    pending = PendingUpload(
        token=secrets.token_hex(16),
        file_name=Path(file.name or "upload").name[:200],
        suffix=suffix,
        region_code=region_code,
        year=year,
        reference_date=reference_date.isoformat(),
    )
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with pending.path.open("xb") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
    return pending


def remember(session: SessionBase, pending: PendingUpload) -> None:
    stored: dict[str, Any] = dict(session.get(SESSION_KEY, {}))
    stored[pending.token] = asdict(pending)
    session[SESSION_KEY] = stored


def pending_upload(session: SessionBase, token: str) -> PendingUpload | None:
    """The session's upload of that token whose file still exists."""
    if not _TOKEN.fullmatch(token):
        return None
    values = session.get(SESSION_KEY, {}).get(token)
    if not isinstance(values, dict):
        return None
    pending = PendingUpload(**values)
    if pending.suffix not in ALLOWED_SUFFIXES or not pending.path.is_file():
        return None
    return pending


def forget(session: SessionBase, pending: PendingUpload) -> None:
    """Delete the stored file and its session entry."""
    pending.path.unlink(missing_ok=True)
    stored: dict[str, Any] = dict(session.get(SESSION_KEY, {}))
    stored.pop(pending.token, None)
    session[SESSION_KEY] = stored


def purge_stale_uploads(*, now: float | None = None) -> int:
    """Remove stored uploads older than a day; return how many."""
    folder = upload_dir()
    if not folder.is_dir():
        return 0
    limit = (time.time() if now is None else now) - MAX_AGE_SECONDS
    removed = 0
    for path in folder.iterdir():
        if _TOKEN.fullmatch(path.stem) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
