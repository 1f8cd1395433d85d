"""``manage.py load_base_list``: load a round's base list (底册) from a file."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dtgx.accounts.management.options import REGION_HELP, get_region_of_option
from dtgx.accounts.models import User
from dtgx.registry.checks import LoadReport
from dtgx.registry.services import load_base_list
from dtgx.registry.sources import BaseListError


class Command(BaseCommand):
    help = (
        "载入某区划某年度的底册：CSV或XLSX文件，表头含残疾人证号、姓名、"
        "居住地区划代码、状态（可选户口性质）。有任何一行错误时不写入任何数据。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="CSV或XLSX文件")
        parser.add_argument("--region", required=True, help=REGION_HELP)
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument(
            "--reference-date",
            required=True,
            type=_date,
            help="统计时点，YYYY-MM-DD（通常为当年6月30日）",
        )
        parser.add_argument(
            "--user", required=True, help="以哪个账号的名义载入（须为录入员或主任）"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告，不写入数据库"
        )
        parser.add_argument(
            "--allow-removals",
            action="store_true",
            help="允许重新载入时移除文件中没有的底册条目（先用--dry-run核对数量）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _user(options["user"])
        region = get_region_of_option(options["region"])
        try:
            report = load_base_list(
                actor,
                options["path"],
                region=region,
                year=options["year"],
                reference_date=options["reference_date"],
                dry_run=options["dry_run"],
                allow_removals=options["allow_removals"],
            )
        except (BaseListError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        self._print(report)

    def _print(self, report: LoadReport) -> None:
        for problem in report.errors:
            self.stderr.write(str(problem))
        for problem in report.warnings:
            self.stdout.write(_("提示：%(problem)s") % {"problem": problem})
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
        if report.dry_run and report.entries_removed:
            self.stdout.write(
                _(
                    "注意：将从已载入的底册中移除%(count)s条条目；"
                    "确需移除的，正式载入时请加 --allow-removals。"
                )
                % {"count": report.entries_removed}
            )
        if report.dry_run and report.changed:
            self.stdout.write(_("试运行：以上是将会发生的变化，没有写入任何数据。"))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("统计时点“%(text)s”不是YYYY-MM-DD格式的日期。") % {"text": text}
        ) from None


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(
            _("找不到启用的账号“%(name)s”。") % {"name": username}
        ) from None
