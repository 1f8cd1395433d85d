"""Download responses for exports, with a file name that survives Chinese.

The Content-Disposition header carries an ASCII ``filename=`` for old
clients and the full name as RFC 5987 ``filename*=UTF-8''...`` (RFC 6266),
which every current browser prefers. Django 5.2's
``content_disposition_header`` sends only ``filename*`` for a non-ASCII
name, so it is used for the ASCII part and the encoded part is added here.

Responses are marked ``Cache-Control: private, no-store``: exports may
hold real-name data. Logging the export is the calling view's job.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import IO, TypeVar
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from dtgx.exports.cells import Column
from dtgx.exports.csvfile import write_csv
from dtgx.exports.xlsxfile import write_xlsx

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_SPOOL_BYTES = 8 * 1024 * 1024  # larger workbooks go to a temporary file
FILENAME_MAX = 120
DEFAULT_STEM = "export"

_Response = TypeVar("_Response", FileResponse, StreamingHttpResponse)
_UNSAFE_NAME = re.compile('[\x00-\x1f\x7f-\x9f"/\\\\\ud800-\udfff]')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._()\-]+")


def csv_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV download named ``filename`` (``.csv`` is
    added if missing). ``rows`` is consumed while the response is sent;
    a bad value raises mid-stream, so validate types before if needed."""
    name = _with_suffix(filename, ".csv")
    return download_response(name, CSV_CONTENT_TYPE, write_csv(rows, columns))


def xlsx_response(
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    sheet_title: str,
) -> FileResponse:
    """Write ``rows`` to an xlsx workbook in a spooled temporary file (on
    disk beyond ``XLSX_SPOOL_BYTES``) before responding, then stream it as
    a download named ``filename`` (``.xlsx`` added if missing). Errors in
    the rows are raised here, before any byte is sent."""
    # The response owns and closes the file, so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115
    try:
        write_xlsx(rows, columns, spool, sheet_title)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    return _as_attachment(response, _with_suffix(filename, ".xlsx"))


def download_response(
    filename: str, content_type: str, body: IO[bytes] | Iterable[bytes]
) -> FileResponse | StreamingHttpResponse:
    """An attachment response: a ``FileResponse`` (which closes the file
    when done) for a binary file object, a ``StreamingHttpResponse`` for
    an iterable of byte chunks. ``filename`` is sanitised by
    :func:`attachment_header`."""
    response: FileResponse | StreamingHttpResponse
    if hasattr(body, "read"):
        response = FileResponse(body, content_type=content_type)
    else:
        response = StreamingHttpResponse(body, content_type=content_type)
    return _as_attachment(response, filename)


def attachment_header(filename: str) -> str:
    """The Content-Disposition value for downloading ``filename``.

    The name loses control characters, quotes and path separators and is
    shortened to ``FILENAME_MAX`` characters (keeping its extension); an
    empty result becomes ``export``. Non-ASCII names get an ASCII fallback
    built from their ASCII letters and digits.
    """
    name = safe_filename(filename)
    fallback = _ascii_fallback(name)
    header = content_disposition_header(True, fallback) or "attachment"
    if name != fallback:
        header += "; filename*=UTF-8''" + quote(name, safe="")
    return header


def safe_filename(filename: str) -> str:
    """``filename`` without characters unsafe in a header or a path."""
    name = _UNSAFE_NAME.sub("", filename).strip().lstrip(".")
    path = PurePath(name or DEFAULT_STEM)
    stem, suffix = path.stem, path.suffix
    return (stem[: FILENAME_MAX - len(suffix)] or DEFAULT_STEM) + suffix


def _ascii_fallback(name: str) -> str:
    path = PurePath(name)
    stem = _NOT_ASCII_SAFE.sub("_", path.stem).strip("_.")
    suffix = _NOT_ASCII_SAFE.sub("", path.suffix)
    if not any(char.isalnum() for char in stem):
        stem = DEFAULT_STEM
    return stem + suffix


def _as_attachment(response: _Response, filename: str) -> _Response:
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _with_suffix(filename: str, suffix: str) -> str:
    if filename.lower().endswith(suffix):
        return filename
    return filename + suffix
