from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey.models import Round
from dtgx.survey.tests.helpers import make_round, store_person


@pytest.fixture(autouse=True)
def import_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.IMPORT_DIR = tmp_path / "imports"
    return Path(settings.IMPORT_DIR)


@pytest.fixture
def round(db: None) -> Round:
    return make_round()


@pytest.fixture
def cili_clerk(world: World) -> User:
    return world.person("cili_clerk", world.cili, Role.ENTRY_CLERK)


@pytest.fixture
def holders(world: World) -> list[Person]:
    """Three holders living in 示例村 of Cili county."""
    return [store_person(world.village, n, name=f"持证人{n}") for n in (1, 2, 3)]
