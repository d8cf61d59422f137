"""The three roles of DESIGN.md as auth groups with their permissions.

| action                                  | analyst | editor | admin |
| read everything                         | yes     | yes    | yes   |
| confirm / reject / tag / link claims    | yes     | yes    | yes   |
| attribute quotes, edit claims' parties  | no      | yes    | yes   |
| edit actors and aliases, merge actors   | no      | yes    | yes   |
| ingest (upload)                         | yes     | yes    | yes   |
| manage users, tokens, tags vocabulary   | no      | no     | yes   |

A user in no group is an outsider and sees nothing.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ANALYST, EDITOR, ADMIN = "analyst", "editor", "admin"

_PROJECT_APPS = ("claims", "sources")
_ANALYST = {
    "claims.change_claim",
    "claims.add_claimlink",
    "claims.change_claimlink",
    "claims.delete_claimlink",
    "claims.add_tag",
    "sources.add_ingestedfile",
    "sources.change_story",
}
_EDITOR = _ANALYST | {
    "claims.add_claim",
    "claims.add_mention",
    "claims.change_mention",
    "claims.delete_mention",
    "claims.add_actor",
    "claims.change_actor",
    "claims.delete_actor",
    "claims.add_actoralias",
    "claims.change_actoralias",
    "claims.delete_actoralias",
    "claims.add_actorrole",
    "claims.change_actorrole",
    "claims.delete_actorrole",
}


def _permissions(codes: set[str]) -> list[Permission]:
    found = []
    for code in sorted(codes):
        app_label, codename = code.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def roles_sync() -> dict[str, int]:
    """Create or update the groups; returns how many permissions each holds."""
    views = set(
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(
            content_type__app_label__in=_PROJECT_APPS, codename__startswith="view_"
        ).values_list("content_type__app_label", "codename")
    )
    everything = set(
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(
            content_type__app_label__in=(*_PROJECT_APPS, "auth", "accounts")
        ).values_list("content_type__app_label", "codename")
    )
    wanted = {ANALYST: views | _ANALYST, EDITOR: views | _EDITOR, ADMIN: everything}
    with transaction.atomic():
        for name, codes in wanted.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(_permissions(codes))
    return {name: len(codes) for name, codes in wanted.items()}
