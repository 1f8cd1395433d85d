"""Writing audit events and access-log rows."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest

from dtgx.accounts.models import AccessAction, AccessLog, AuditEvent, User


def record_event(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: str,
    region_code: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit event. Must run inside the transaction of the change,
    so that the change and its record commit or roll back together."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside transaction.atomic()")
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        region_code=region_code,
        before=before,
        after=after,
        reason=reason,
    )


def client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted just when a deployment's
    # proxy rewrites REMOTE_ADDR itself.
    value = request.META.get("REMOTE_ADDR")
    return str(value) if value else None


def log_access(
    request: HttpRequest,
    *,
    action: AccessAction,
    region_code: str,
    target: str,
    record_count: int,
) -> AccessLog:
    """Record a view or export of real-name data. ``target`` names what was
    shown (a page or file), never the personal data itself."""
    user = request.user
    assert isinstance(user, User)
    return AccessLog.objects.create(
        user=user,
        action=action,
        region_code=region_code,
        target=target[:200],
        record_count=record_count,
        ip_address=client_address(request),
    )
