"""Who may see which import batches: users who may import, for batches
uploaded in their subtree. Others get "not found"."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dtgx.accounts.access import region_scope
from dtgx.accounts.models import User
from dtgx.imports.models import ImportBatch
from dtgx.imports.services import may_import


def batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    prefix = region_scope(user)
    if prefix is None or not may_import(user):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(region_code__startswith=prefix)


def get_batch_or_404(user: User, pk: int) -> ImportBatch:
    try:
        return (
            batches_visible_to(user).select_related("round", "uploaded_by").get(pk=pk)
        )
    except ImportBatch.DoesNotExist:
        raise Http404(_("导入批次不存在，或不在您的管辖范围内。")) from None
