"""``manage.py import_divisions``: import an official division code table."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.regions.importer import (
    ImportReport,
    import_code_list,
    import_division_dir,
)
from dtgx.regions.sources import DivisionFileError


class Command(BaseCommand):
    help = (
        "导入统计用区划代码表：--dir 指向省市县乡四个CSV文件所在目录，"
        "或 --file 指向“代码,名称[,城乡分类代码]”的CSV/XLSX文件。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--dir",
            type=Path,
            help="含 provinces.csv、cities.csv、areas.csv、streets.csv 的目录",
        )
        source.add_argument(
            "--file", type=Path, help="12位代码,名称[,城乡分类代码] 的CSV或XLSX文件"
        )
        parser.add_argument(
            "--year", type=int, help="代码表的年份（默认今年；停用缺失代码时必填）"
        )
        parser.add_argument(
            "--withdraw-missing",
            action="store_true",
            help=(
                "把文件视为其所含级别在其覆盖区域内的完整代码表：库中现行、"
                "文件中没有的代码标为停用（停用年份为 --year 减1），不会删除"
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并报告，不写入数据库"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        withdraw_missing: bool = options["withdraw_missing"]
        year = _year(options["year"], withdraw_missing=withdraw_missing)
        try:
            report = _import(options, year=year, withdraw_missing=withdraw_missing)
        except DivisionFileError as failure:
            raise CommandError(str(failure)) from failure

        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(
                _("有%(count)s行需要修改，未导入任何数据。请改正后重新导入。")
                % {"count": len(report.errors)}
            )
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        self.stdout.write(report.summary())
        if report.withdrawn_codes:
            codes = "、".join(report.withdrawn_codes)
            self.stdout.write(_("停用的代码：%(codes)s") % {"codes": codes})
        if report.dry_run:
            self.stdout.write(_("试运行：以上是将会发生的变化，没有写入任何数据。"))


def _import(
    options: dict[str, Any], *, year: int, withdraw_missing: bool
) -> ImportReport:
    if options["dir"] is not None:
        return import_division_dir(
            options["dir"],
            year=year,
            withdraw_missing=withdraw_missing,
            dry_run=options["dry_run"],
        )
    return import_code_list(
        options["file"],
        year=year,
        withdraw_missing=withdraw_missing,
        dry_run=options["dry_run"],
    )


def _year(value: int | None, *, withdraw_missing: bool) -> int:
    if value is None and withdraw_missing:
        raise CommandError(_("停用缺失代码时必须用 --year 指明代码表的年份。"))
    year = timezone.localdate().year if value is None else value
    if not 1980 <= year <= 2100:
        raise CommandError(_("年份%(year)s不合理，请核对 --year。") % {"year": year})
    return year
