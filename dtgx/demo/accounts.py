"""One demo account per role at each level from the nation to a village."""

from __future__ import annotations

from dataclasses import dataclass

from dtgx.accounts import services
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role, roles_allowed_at
from dtgx.regions.codes import Level
from dtgx.regions.models import Region

# Demo only: printed by `make demo`, never used outside the demo profile.
DEMO_PASSWORD = "Demo-Pass-2026"  # noqa: S105

LEVEL_SLUGS = {
    Level.NATION: "nation",
    Level.PROVINCE: "province",
    Level.PREFECTURE: "city",
    Level.COUNTY: "county",
    Level.TOWNSHIP: "township",
    Level.VILLAGE: "village",
}

ROLE_SLUGS = {
    Role.COLLECTOR: "collector",
    Role.ENTRY_CLERK: "clerk",
    Role.AUDITOR: "auditor",
    Role.OFFICE_DIRECTOR: "director",
    Role.FEDERATION_CHAIRMAN: "chairman",
    Role.DEPUTY_SECRETARY_GENERAL: "deputy",
    Role.USER_ADMIN: "admin",
    Role.EXPERT: "expert",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    region: Region
    role: Role
    created: bool


def demo_chain(village: Region) -> list[Region]:
    """The village and its ancestors up to the nation."""
    return [village, *reversed(village.ancestors())]


def create_demo_accounts(village: Region) -> list[DemoAccount]:
    """Idempotent: existing demo accounts are left as they are."""
    made: list[DemoAccount] = []
    for region in reversed(demo_chain(village)):
        level = Level(region.level)
        for role in roles_allowed_at(level):
            username = f"{LEVEL_SLUGS[level]}_{ROLE_SLUGS[role]}"
            existing = User.objects.filter(username=username).first()
            if existing is not None and existing.region is not None:
                # Kept where it was made: a demo run for another county
                # does not move accounts (their history stays true).
                made.append(DemoAccount(username, existing.region, role, False))
                continue
            services.bootstrap_account(
                services.NewAccount(
                    username=username,
                    display_name=f"{region.name}{role.label}",
                    region=region,
                    roles=frozenset({role}),
                    initial_password=DEMO_PASSWORD,
                ),
                must_change_password=False,
            )
            made.append(DemoAccount(username, region, role, created=True))
    return made
