"""Error pages that show our own explanations and nothing of Django's
internals (a URL that matched nothing once showed "Resolver404")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404


def _message(exception: Exception | None) -> str:
    if exception is None or isinstance(exception, Resolver404):
        return ""
    first = exception.args[0] if exception.args else ""
    return str(first) if isinstance(first, str) else ""


def page_not_found(request: HttpRequest, exception: Exception | None) -> HttpResponse:
    context = {"message": _message(exception)}
    return render(request, "404.html", context, status=404)


def permission_denied(
    request: HttpRequest, exception: Exception | None
) -> HttpResponse:
    context = {"message": _message(exception)}
    return render(request, "403.html", context, status=403)
