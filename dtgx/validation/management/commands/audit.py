"""``manage.py audit``: run the bulk audit of a region's records of a round
in the name of an auditor, and print what it changed."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dtgx.accounts.management.options import REGION_HELP, get_region_of_option
from dtgx.accounts.models import User
from dtgx.survey.models import Round
from dtgx.validation.services import audit_region


class Command(BaseCommand):
    help = (
        "按最新审核规则批量审核某区划某年度全部已保存的登记表，更新审核发现，"
        "并打印审核的登记表数、新发现、已更正、重新打开的条数和用时。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument("--region", required=True, help=REGION_HELP)
        parser.add_argument(
            "--username",
            required=True,
            help="以哪个账号的名义审核（须为该区划或上级的审核员或主任）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        round = _round(options["year"])
        region = get_region_of_option(options["region"])
        actor = _user(options["username"])

        try:
            run = audit_region(actor, round, region.code)
        except PermissionDenied as error:
            reason = str(error) or _("该账号无权审核这个区划的数据。")
            raise CommandError(reason) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

        self.stdout.write(
            _(
                "%(region)s %(year)s年度批量审核完成：审核登记表%(records)s份，"
                "未通过规则%(failures)s次，新发现%(raised)s条，已更正%(resolved)s条，"
                "重新打开%(reopened)s条，用时%(seconds)s秒。"
            )
            % {
                "region": region.name,
                "year": round.year,
                "records": run.records,
                "failures": run.failures,
                "raised": run.raised,
                "resolved": run.resolved,
                "reopened": run.reopened,
                "seconds": f"{run.seconds:.1f}",
            }
        )


def _round(year: int) -> Round:
    try:
        return Round.objects.get(year=year)
    except Round.DoesNotExist:
        raise CommandError(
            _("没有%(year)s年度的动态更新，请核对年度。") % {"year": year}
        ) from None


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(
            _("找不到启用的账号“%(name)s”。") % {"name": username}
        ) from None
