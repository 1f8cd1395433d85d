"""Error pages that show our own explanations and nothing of Django's
internals (a URL that matched nothing once showed "Resolver404")."""

from __future__ import annotations

from collections.abc import Callable

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


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without a valid security token,
    mostly from a page left open past the session or the login. Django's
    own page speaks to developers ("DEBUG=True"); ours says what to do."""
    return render(request, "403_csrf.html", status=403)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """The page for an address that only takes a form's submission (a
    bookmarked or typed "准备上报" link), keeping the ``Allow`` header."""
    response = render(request, "405.html", status=405)
    response["Allow"] = allowed
    return response


class MethodNotAllowedPageMiddleware:
    """Give the empty 405 answers of ``require_POST`` (and of Django's
    class-based views) the site's page in Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = method_not_allowed(request, response.get("Allow", ""))
        # Django's request log noted the refusal once already.
        page._has_been_logged = getattr(response, "_has_been_logged", False)  # type: ignore[attr-defined]
        return page
