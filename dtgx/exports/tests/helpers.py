"""Reading exports back the way a spreadsheet or a browser would."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from openpyxl import load_workbook


def read_csv(chunks: Iterable[bytes]) -> tuple[bytes, list[list[str]]]:
    """The raw bytes and the parsed rows (BOM removed) of a CSV stream."""
    data = b"".join(chunks)
    text = data.decode("utf-8-sig")
    return data, list(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(data: bytes) -> Any:
    """The workbook in ``data``, fully loaded (styles included)."""
    return load_workbook(io.BytesIO(data))


def disposition_params(header: str) -> tuple[str, dict[str, str]]:
    """The disposition type and the raw parameters of a header value."""
    kind, *parts = (part.strip() for part in header.split(";"))
    params = {}
    for part in parts:
        key, _, value = part.partition("=")
        params[key] = value
    return kind, params


def browser_filename(header: str) -> str:
    """The name a browser following RFC 6266 saves: ``filename*`` if
    present, else the quoted ``filename``."""
    _, params = disposition_params(header)
    if "filename*" in params:
        charset, language, encoded = params["filename*"].split("'", 2)
        assert charset.lower() == "utf-8"
        assert language == ""
        return unquote(encoded, encoding="utf-8", errors="strict")
    return params["filename"].strip('"')
