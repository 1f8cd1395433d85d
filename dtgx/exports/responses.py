"""Download responses for exports, with a file name that survives Chinese.

The Content-Disposition header carries an ASCII ``filename=`` for old
clients and the full name as RFC 5987 ``filename*=UTF-8''...`` (RFC 6266),
which every current browser prefers. Django 5.2's
``content_disposition_header`` sends only ``filename*`` for a non-ASCII
name, so it is used for the ASCII part and the encoded part is added here.
Both names lose the characters Windows forbids in a file name
(``< > : " / \\ | ? *`` and control characters), and an ASCII fallback
is told apart from other exports' by a digest of the full name.

Responses are marked ``Cache-Control: private, no-store``: exports may
hold real-name data. Logging the export is the calling view's job.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Iterable, Sequence
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
# Control characters, lone surrogates, and what Windows forbids in names.
_UNSAFE_NAME = re.compile('[\x00-\x1f\x7f-\x9f<>:"/\\\\|?*\ud800-\udfff]')
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
# Device names Windows will not create a file under, whatever the suffix.
_RESERVED_STEMS = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in range(1, 10)}
)
DIGEST_CHARS = 8


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

    The name is made safe by :func:`safe_filename`. A name that is not
    plain ASCII is sent as ``filename*`` and gets an ASCII ``filename``
    fallback: ``export``, its ASCII letters and digits, and a digest of the
    full name, so that different exports never share a fallback
    (``2025年慈利县名单.xlsx`` gives ``export_2025_<8 hex digits>.xlsx``).
    """
    name = safe_filename(filename)
    fallback = _ascii_fallback(name)
    header = content_disposition_header(True, fallback) or "attachment"
    if name != fallback:
        header += "; filename*=UTF-8''" + quote(name, safe="")
    return header


def safe_filename(filename: str) -> str:
    """``filename`` without characters unsafe in a header, a path or a
    Windows file name, without leading dots and spaces or trailing ones
    (Windows drops those), shortened to ``FILENAME_MAX`` characters with
    its extension kept; ``export`` if nothing is left, ``CON_`` for a
    Windows device name such as ``CON``."""
    name = _UNSAFE_NAME.sub("", filename).strip()
    stem, suffix = _split_suffix(name)
    stem = stem.strip(". ")[: FILENAME_MAX - len(suffix)].rstrip(". ")
    if not stem:
        stem = DEFAULT_STEM
    elif stem.upper() in _RESERVED_STEMS:
        stem += "_"
    return stem + suffix


def _split_suffix(name: str) -> tuple[str, str]:
    """(stem, suffix) with a suffix of ASCII letters and digits only, so
    that ``.xlsx`` alone is a suffix without a stem."""
    match = _SUFFIX.search(name)
    if match is None:
        return name, ""
    return name[: match.start()], match.group()


def _ascii_fallback(name: str) -> str:
    """``name`` itself if it is plain ASCII, else ``export``, its ASCII
    letters and digits and a digest of ``name``."""
    if name.isascii():
        return name
    stem, suffix = _split_suffix(name)
    digest = hashlib.sha256(name.encode()).hexdigest()[:DIGEST_CHARS]
    return "_".join([DEFAULT_STEM, *_ASCII_WORD.findall(stem), digest]) + suffix


def _as_attachment(response: _Response, filename: str) -> _Response:
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _with_suffix(filename: str, suffix: str) -> str:
    if filename.lower().endswith(suffix):
        return filename
    return filename + suffix
