"""``manage.py create_account`` takes a region code as officially written."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from dtgx.accounts.models import User
from dtgx.conftest import PASSWORD, World


@pytest.mark.parametrize("code", ["430821", "430821100", "430821100000"])
def test_it_creates_an_account_of_a_short_or_full_region_code(
    world: World, code: str
) -> None:
    with mock.patch("getpass.getpass", return_value=PASSWORD):
        call_command(
            "create_account", "first_admin", "--region", code, "--role", "user_admin"
        )

    assert User.objects.get(username="first_admin").region_id == code.ljust(12, "0")


def test_it_names_an_unknown_region_code(world: World) -> None:
    with pytest.raises(CommandError, match="找不到区划代码439999"):
        call_command("create_account", "x", "--region", "439999", "--role", "auditor")
