"""Roles and the levels at which each may be held (DESIGN.md §2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dtgx.regions.codes import Level


class Role(models.TextChoices):
    COLLECTOR = "collector", _("信息采集员")
    ENTRY_CLERK = "entry_clerk", _("录入员")
    AUDITOR = "auditor", _("审核员")
    OFFICE_DIRECTOR = "office_director", _("动态更新办主任")
    FEDERATION_CHAIRMAN = "federation_chairman", _("残联理事长")
    DEPUTY_SECRETARY_GENERAL = "deputy_secretary_general", _("政府副秘书长")
    USER_ADMIN = "user_admin", _("系统管理员")
    EXPERT = "expert", _("专家/第三方评估")


_ALL = frozenset(Level)
_COUNTY_UP = frozenset({Level.NATION, Level.PROVINCE, Level.PREFECTURE, Level.COUNTY})

ROLE_LEVELS: dict[Role, frozenset[Level]] = {
    Role.COLLECTOR: frozenset({Level.TOWNSHIP, Level.VILLAGE}),
    Role.ENTRY_CLERK: frozenset({Level.COUNTY, Level.TOWNSHIP}),
    Role.AUDITOR: frozenset(_ALL - {Level.VILLAGE}),
    Role.OFFICE_DIRECTOR: _COUNTY_UP,
    Role.FEDERATION_CHAIRMAN: _COUNTY_UP,
    Role.DEPUTY_SECRETARY_GENERAL: _COUNTY_UP,
    Role.USER_ADMIN: _ALL,
    Role.EXPERT: frozenset({Level.NATION, Level.PROVINCE}),
}

# Roles whose work needs real-name data of persons with disabilities.
REAL_NAME_ROLES = frozenset(
    {
        Role.COLLECTOR,
        Role.ENTRY_CLERK,
        Role.AUDITOR,
        Role.OFFICE_DIRECTOR,
        Role.FEDERATION_CHAIRMAN,
        Role.DEPUTY_SECRETARY_GENERAL,
        Role.EXPERT,
    }
)

# Real-name roles that may also list and export persons, records and
# findings. Experts (专家/第三方评估) evaluate aggregates and the records
# sampled by spot checks; whole name lists are not theirs to take.
REAL_NAME_LIST_ROLES = REAL_NAME_ROLES - {Role.EXPERT}

# Roles that may see full identity numbers in lists (others see them masked).
UNMASKED_ID_ROLES = frozenset({Role.ENTRY_CLERK, Role.AUDITOR, Role.OFFICE_DIRECTOR})


def roles_allowed_at(level: Level) -> list[Role]:
    return [role for role in Role if level in ROLE_LEVELS[role]]
