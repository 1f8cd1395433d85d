"""Shared test fixtures: a small region tree and named personas.

The tree is Hunan → Zhangjiajie → Cili county (with one township and one
village) and its neighbour Sangzhi county. Personas are named for who they
are: ``cili_clerk`` is an entry clerk of Cili county, ``sangzhi_clerk`` the
same role one county over.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings

from dtgx.accounts.models import AgreementAcceptance, RoleGrant, User
from dtgx.accounts.roles import Role
from dtgx.regions.codes import Level, parent_code
from dtgx.regions.models import Region

PASSWORD = "Correct-Horse-42"

TREE = [
    ("000000000000", "全国", Level.NATION),
    ("430000000000", "湖南省", Level.PROVINCE),
    ("430800000000", "张家界市", Level.PREFECTURE),
    ("430821000000", "慈利县", Level.COUNTY),
    ("430821100000", "零阳镇", Level.TOWNSHIP),
    ("430821100201", "示例村", Level.VILLAGE),
    ("430822000000", "桑植县", Level.COUNTY),
    ("430822100000", "澧源镇", Level.TOWNSHIP),
]


@dataclass
class World:
    nation: Region
    hunan: Region
    zhangjiajie: Region
    cili: Region
    lingyang: Region
    village: Region
    sangzhi: Region

    def person(
        self,
        username: str,
        region: Region,
        *roles: Role,
        agreed: bool = True,
        must_change_password: bool = False,
    ) -> User:
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            region=region,
            display_name=username,
            must_change_password=must_change_password,
        )
        RoleGrant.objects.bulk_create(RoleGrant(user=user, role=r) for r in roles)
        if agreed:
            AgreementAcceptance.objects.create(
                user=user, version=settings.CONFIDENTIALITY_AGREEMENT_VERSION
            )
        return user


@pytest.fixture
def world(db: None) -> World:
    regions: dict[str, Region] = {}
    for code, name, level in TREE:
        parent = parent_code(code)
        regions[code] = Region.objects.create(
            code=code,
            name=name,
            level=level,
            parent=regions.get(parent) if parent else None,
        )
    Region.objects.create(
        code="430822100201",
        name="桑植示例村",
        level=Level.VILLAGE,
        parent=regions["430822100000"],
    )
    return World(
        nation=regions["000000000000"],
        hunan=regions["430000000000"],
        zhangjiajie=regions["430800000000"],
        cili=regions["430821000000"],
        lingyang=regions["430821100000"],
        village=regions["430821100201"],
        sangzhi=regions["430822000000"],
    )
