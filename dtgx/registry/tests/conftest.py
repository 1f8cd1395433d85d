from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.tests.helpers import CILI_VILLAGE_2, SANGZHI_VILLAGE


@pytest.fixture
def second_village(world: World) -> Region:
    return Region.objects.create(
        code=CILI_VILLAGE_2, name="示例二村", level=Level.VILLAGE, parent=world.lingyang
    )


@pytest.fixture
def sangzhi_village(world: World) -> Region:
    return Region.objects.get(code=SANGZHI_VILLAGE)


@pytest.fixture
def cili_clerk(world: World) -> User:
    return world.person("cili_clerk", world.cili, Role.ENTRY_CLERK)


@pytest.fixture
def upload_dir(tmp_path: Path, settings: Settings) -> Path:
    folder = tmp_path / "uploads"
    settings.REGISTRY_UPLOAD_DIR = folder
    return folder
