"""``manage.py generate_form_models``: rewrite ``dtgx/survey/form_models.py``
from the form definitions; run ``makemigrations survey`` afterwards."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dtgx.survey.codegen import FORM_MODELS_PATH, render_form_models, write_form_models


class Command(BaseCommand):
    help = (
        "由登记表定义（dtgx/questionnaires/forms/*.yaml）重新生成 "
        "dtgx/survey/form_models.py；之后请运行 makemigrations survey。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="只检查文件是否为最新，不写入；过期时以非零状态退出",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            current = FORM_MODELS_PATH.read_text(encoding="utf-8")
            if current != render_form_models():
                raise CommandError(
                    f"{FORM_MODELS_PATH.name} is out of date: "
                    "run `manage.py generate_form_models`."
                )
            self.stdout.write(f"{FORM_MODELS_PATH.name} is up to date.")
            return
        changed = write_form_models()
        state = "written" if changed else "already up to date"
        self.stdout.write(f"{FORM_MODELS_PATH} {state}.")
