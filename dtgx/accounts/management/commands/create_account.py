from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dtgx.accounts import services
from dtgx.accounts.management.options import REGION_HELP, get_region_of_option
from dtgx.accounts.roles import Role


class Command(BaseCommand):
    help = "Create an account from the command line, e.g. the first administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--region", required=True, help=REGION_HELP)
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            choices=[role.value for role in Role],
            help="may be repeated",
        )
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        region = get_region_of_option(options["region"])
        password = getpass.getpass("Initial password: ")
        new = services.NewAccount(
            username=options["username"],
            display_name=options["name"],
            region=region,
            roles=frozenset(Role(r) for r in options["role"]),
            initial_password=password,
        )
        try:
            services.bootstrap_account(new)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Created {new.username}; password change due at first login."
        )
