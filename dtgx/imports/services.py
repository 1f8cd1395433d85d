"""State changes of import batches. Each checks the acting user, the state
the batch leaves (one conditional UPDATE, so two clicks cannot both win)
and writes its audit event in the same transaction.

* ``start_import``: store the upload and queue its check (the dry run);
* ``run_check`` (a background task): check every row, write nothing;
* ``decide_import``: the clerk's visible choice, import the rows without
  problems or hold the whole file;
* ``run_commit`` (a background task): check again and write the rows
  through the survey services, chunk by chunk, with progress.

Records are written only by the survey services (same locks, history and
audit as entry on screen, FC-26, FC-31). The uploaded file is deleted once
the batch is decided and done with.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts.access import is_in_scope, may_see_real_names
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.imports.models import (
    BadRow,
    ImportBatch,
    ImportKind,
    ImportProblem,
    ImportStatus,
)
from dtgx.imports.rows import Tally, run_pass
from dtgx.spreadsheets import MAX_BYTES, TableError
from dtgx.survey.models import NAME_MAX_LENGTH, REASON_MAX_LENGTH, Round, RoundStatus
from dtgx.survey.services import clean_text

logger = logging.getLogger(__name__)

IMPORT_ROLES = (Role.ENTRY_CLERK, Role.OFFICE_DIRECTOR)
SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv", ".txt"})
FILE_NAME_MAX = 200


def may_import(user: User) -> bool:
    """Entry clerks and office directors with access to real names."""
    return user.has_role(*IMPORT_ROLES) and may_see_real_names(user)


def start_import(
    actor: User,
    round: Round,
    kind: ImportKind,
    chunks: Iterable[bytes],
    *,
    file_name: str,
    reason: str = "",
    responsible_person: str = "",
) -> ImportBatch:
    """Store an uploaded file (``chunks`` of its bytes) as a new batch and
    queue its check. ``reason`` and ``responsible_person`` go together:
    with them, rows whose record exists with other answers become
    corrections. Writes ``imports.batch.create``."""
    _check_may_import(actor)
    if round.status != RoundStatus.OPEN:
        raise ValidationError(
            _("%(year)s年度动态更新%(status)s，现在不能导入登记表。")
            % {"year": round.year, "status": RoundStatus(round.status).label}
        )
    reason, responsible_person = _correction(reason, responsible_person)
    name = Path(file_name).name[:FILE_NAME_MAX] or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(
            _("不支持的文件类型“%(name)s”：请上传XLSX或CSV文件。") % {"name": name}
        )
    path, digest = _store(chunks, suffix)

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            round=round,
            kind=kind,
            uploaded_by=actor,
            region_code=actor.region_id or "",
            file_name=name,
            stored_path=str(path),
            sha256=digest,
            reason=reason,
            responsible_person=responsible_person,
        )
        record_event(
            actor=actor,
            action="imports.batch.create",
            target_type="import_batch",
            target_id=str(batch.pk),
            region_code=batch.region_code,
            after={"kind": kind, "year": round.year, "sha256": digest},
            reason=reason,
        )
    _enqueue("check", batch.pk)
    batch.refresh_from_db()
    return batch


def decide_import(actor: User, batch: ImportBatch, *, commit: bool) -> None:
    """The clerk's choice after the check: ``commit`` imports the rows
    without problems (in the background), otherwise the whole file is held
    and nothing is written. Only from 已检查，待选择. Writes
    ``imports.batch.commit`` or ``imports.batch.hold``; ``batch`` is
    refreshed."""
    _check_may_import(actor)
    if not is_in_scope(actor, batch.region_code):
        raise PermissionDenied(_("这个导入批次不在您的管辖范围内。"))
    target = ImportStatus.COMMITTING if commit else ImportStatus.HELD

    with transaction.atomic():
        moved = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportStatus.CHECKED
        ).update(status=target, decided_by=actor, decided_at=timezone.now())
        if moved != 1:
            batch.refresh_from_db()
            raise ValidationError(
                _("这个导入批次的状态是“%(status)s”，不能再选择。")
                % {"status": ImportStatus(batch.status).label},
                code="status",
            )
        record_event(
            actor=actor,
            action=f"imports.batch.{'commit' if commit else 'hold'}",
            target_type="import_batch",
            target_id=str(batch.pk),
            region_code=batch.region_code,
            before={"status": ImportStatus.CHECKED.value},
            after={"status": target.value, "rows_bad": batch.rows_bad},
        )
    batch.refresh_from_db()
    if commit:
        _enqueue("commit", batch.pk)
    else:
        _discard_file(batch)


def run_check(batch_pk: int) -> None:
    """The dry run of a queued batch (the body of the check task)."""
    if not _move(batch_pk, ImportStatus.QUEUED, ImportStatus.CHECKING):
        return
    batch = _load(batch_pk)
    _forget_problems(batch)
    tally = _run(batch, batch.uploaded_by, write=False)
    if tally is None:
        return
    _store_tally(batch, tally, status=ImportStatus.CHECKED, checked_at=timezone.now())


def run_commit(batch_pk: int) -> None:
    """The import of a batch the clerk chose to commit (the body of the
    commit task): every row is checked again and written through the
    services; the problems found now replace those of the dry run. Safe to
    run again after a crash: rows already written are then unchanged."""
    batch = _load(batch_pk)
    if batch.status != ImportStatus.COMMITTING or batch.decided_by is None:
        return
    _forget_problems(batch)
    tally = _run(batch, batch.decided_by, write=True)
    if tally is None:
        return
    with transaction.atomic():
        _store_tally(
            batch, tally, status=ImportStatus.COMMITTED, finished_at=timezone.now()
        )
        record_event(
            actor=batch.decided_by,
            action="imports.batch.finish",
            target_type="import_batch",
            target_id=str(batch.pk),
            region_code=batch.region_code,
            after={
                "created": tally.to_create,
                "changed": tally.to_change,
                "unchanged": tally.unchanged,
                "rows_bad": tally.rows_bad,
                "batch_id": str(batch.batch_id),
            },
            reason=batch.reason,
        )
    _discard_file(batch)


# --- steps -------------------------------------------------------------------


def _check_may_import(actor: User) -> None:
    if not may_import(actor):
        raise PermissionDenied(_("只有录入员和动态更新办主任可以导入登记表。"))


def _correction(reason: str, responsible_person: str) -> tuple[str, str]:
    reason = clean_text(reason or "")
    responsible_person = clean_text(responsible_person or "")
    if bool(reason) != bool(responsible_person):
        raise ValidationError(
            _("更正原因和责任人要一起填写；只新增登记表时两项都不填。"),
            code="correction",
        )
    if len(reason) > REASON_MAX_LENGTH or len(responsible_person) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("更正原因不能超过%(reason)s个字，责任人不能超过%(name)s个字。")
            % {"reason": REASON_MAX_LENGTH, "name": NAME_MAX_LENGTH},
            code="too_long",
        )
    return reason, responsible_person


def import_dir() -> Path:
    path = Path(settings.IMPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(chunks: Iterable[bytes], suffix: str) -> tuple[Path, str]:
    """Write the upload under a random name; refuse one over ``MAX_BYTES``."""
    # TODO: the file of a batch nobody decides on stays in IMPORT_DIR; add a
    # prune command (hold batches undecided for 7 days, delete their files)
    # before the first production round.
    path = import_dir() / f"{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ValidationError(
                        _("文件超过%(mb)sMB：请按乡镇（街道）分开导入。")
                        % {"mb": MAX_BYTES // (1024 * 1024)}
                    )
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, digest.hexdigest()


def _enqueue(step: str, batch_pk: int) -> None:
    from dtgx.imports import tasks  # the task module imports this one

    task = tasks.check_import if step == "check" else tasks.commit_import
    task.enqueue(batch_pk)


def _move(pk: int, source: ImportStatus, target: ImportStatus) -> bool:
    return ImportBatch.objects.filter(pk=pk, status=source).update(status=target) == 1


def _load(pk: int) -> ImportBatch:
    return ImportBatch.objects.select_related("round", "uploaded_by", "decided_by").get(
        pk=pk
    )


def _forget_problems(batch: ImportBatch) -> None:
    ImportProblem.objects.filter(batch=batch).delete()
    BadRow.objects.filter(batch=batch).delete()


def _run(batch: ImportBatch, actor: User, *, write: bool) -> Tally | None:
    """One pass with progress; a file that cannot be read fails the batch
    with its message (``None``); any other error fails it and re-raises."""
    try:
        return run_pass(
            batch, actor, write=write, progress=lambda t: _progress(batch.pk, t)
        )
    except TableError as error:
        _fail(batch, str(error))
        return None
    except Exception:
        logger.exception("import batch %s failed", batch.pk)
        _fail(batch, _("导入时发生系统错误，已写入的行不受影响。请联系系统管理员。"))
        raise


def _progress(pk: int, tally: Tally) -> None:
    ImportBatch.objects.filter(pk=pk).update(
        rows_done=tally.rows_total,
        rows_bad=tally.rows_bad,
        encoding=tally.encoding,
    )


def _store_tally(batch: ImportBatch, tally: Tally, **fields: object) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows_total=tally.rows_total,
        rows_done=tally.rows_total,
        rows_blank=tally.rows_blank,
        rows_bad=tally.rows_bad,
        to_create=tally.to_create,
        to_change=tally.to_change,
        unchanged=tally.unchanged,
        encoding=tally.encoding,
        headers=tally.headers,
        **fields,
    )


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, message=message, finished_at=timezone.now()
    )
    _discard_file(batch)


def _discard_file(batch: ImportBatch) -> None:
    if batch.stored_path:
        Path(batch.stored_path).unlink(missing_ok=True)
        ImportBatch.objects.filter(pk=batch.pk).update(stored_path="")
