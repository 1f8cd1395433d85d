from __future__ import annotations

import pytest

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.helpers import enter, make_round, store_person


@pytest.fixture
def round(db: None) -> Round:
    return make_round()


@pytest.fixture
def cili_clerk(world: World) -> User:
    return world.person("cili_clerk", world.cili, Role.ENTRY_CLERK)


@pytest.fixture
def cili_auditor(world: World) -> User:
    return world.person("cili_auditor", world.cili, Role.AUDITOR)


@pytest.fixture
def sangzhi_clerk(world: World) -> User:
    return world.person("sangzhi_clerk", world.sangzhi, Role.ENTRY_CLERK)


@pytest.fixture
def lingyang_collector(world: World) -> User:
    return world.person("lingyang_collector", world.lingyang, Role.COLLECTOR)


@pytest.fixture
def national_director(world: World) -> User:
    return world.person("national_director", world.nation, Role.OFFICE_DIRECTOR)


@pytest.fixture
def farmer(world: World) -> Person:
    """王建国, 30 on the 2025 reference date, living in 示例村."""
    return store_person(world.village, 1, name="王建国")


@pytest.fixture
def record(cili_clerk: User, farmer: Person, round: Round) -> PersonRecord:
    return enter(cili_clerk, farmer, round)
