from __future__ import annotations

import time
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dtgx.accounts.models import User
from dtgx.demo.accounts import DEMO_PASSWORD, create_demo_accounts
from dtgx.demo.cycle import CycleReport, load_demo_base_list
from dtgx.demo.main_job import MainJob
from dtgx.demo.regions import DEFAULT_COUNTY, DemoError, build_demo_county
from dtgx.regions.codes import Level
from dtgx.regions.models import Region

OUTPUT_DIR = Path(settings.BASE_DIR) / "var" / "demo" / "output"


def _load_base_list_report(report: CycleReport) -> list[str]:
    status = report.round.get_status_display()
    lines = [
        f"Round {report.round.year}: {status}, reference date "
        f"{report.round.reference_date}",
    ]
    if report.base_list is None:
        return [*lines, "底册已在之前的运行中载入，跳过 / base list already loaded"]
    lines += [f"Base list file: {report.base_list_file}", report.base_list.summary()]
    lines += [str(problem) for problem in report.base_list.warnings[:5]]
    return lines


def _pad(text: str, width: int) -> str:
    """Left-justify counting CJK characters as two columns wide."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


class Command(BaseCommand):
    help = "Run the main job on the demo database: one county's annual update."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--county", default=DEFAULT_COUNTY, help="6- or 12-digit county code"
        )
        parser.add_argument(
            "--persons",
            type=int,
            default=20000,
            help="certificate holders in the generated base list",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="processes entering person forms side by side (one per core)",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=OUTPUT_DIR,
            help="folder for the summary tables, validation report and samples",
        )
        parser.add_argument(
            "--stop-after-load",
            action="store_true",
            help="open the round and load the base list, then stop: the county "
            "stays open for entry and imports in the browser",
        )
        parser.add_argument(
            "--divisions-dir",
            type=Path,
            help="official four-file code list; real townships are loaded from it",
        )

    def _load_base_list(self, clerk: User, county: Region, persons: int) -> CycleReport:
        self.stdout.write("\n▶ 开启年度、载入底册")
        report = load_demo_base_list(clerk, county, persons)
        if report.base_list is not None and not report.base_list.ok:
            raise CommandError(report.base_list.summary())
        for line in _load_base_list_report(report):
            self.stdout.write(f"  {line}")
        return report

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            demo = build_demo_county(
                options["county"], divisions_dir=options["divisions_dir"]
            )
        except DemoError as error:
            raise CommandError(str(error)) from None
        out = self.stdout
        out.write(f"Built-in divisions: {demo.builtin.summary()}")
        for report in demo.reports:
            out.write(f"{report.summary()}")
        names = " / ".join(r.name for r in demo.county.ancestors()[1:])
        out.write(
            self.style.SUCCESS(
                f"County {names} / {demo.county.name} ({demo.county.code}): "
                f"{demo.townships} townships, {demo.villages} villages"
            )
        )

        village = (
            Region.objects.within(demo.county)
            .filter(level=Level.VILLAGE)
            .order_by("code")
            .first()
        )
        if village is None:
            raise CommandError("the demo county has no village")
        accounts = create_demo_accounts(village)
        out.write(f"\nDemo accounts (password {DEMO_PASSWORD}):")
        for account in accounts:
            flag = "new" if account.created else "kept"
            out.write(
                f"  {account.username:<22} {_pad(str(account.role.label), 16)}"
                f"{account.region.name} ({account.region.code}) [{flag}]"
            )
        clerk = User.objects.get(username="county_clerk")
        if clerk.region_id != demo.county.code:
            out.write(
                "\nThe annual update is skipped: county_clerk belongs to "
                "another county."
            )
        else:
            stage = time.perf_counter()
            cycle = self._load_base_list(clerk, demo.county, options["persons"])
            out.write(f"  （{time.perf_counter() - stage:.1f} 秒）")
            if options["stop_after_load"]:
                out.write(
                    "\nStopped after loading the base list: log in as "
                    "county_clerk to enter forms or import a filled template."
                )
                return
            job = MainJob(
                cycle.round,
                demo.county,
                options["output"],
                self.stdout,
                workers=options["workers"],
            )
            result = job.run()
            out.write("\n输出文件 / output files:")
            for path in result.files:
                out.write(f"  {path}")
        out.write(
            f"\nDone in {time.perf_counter() - started:.1f} s. "
            "Start the web app with: make serve"
        )
