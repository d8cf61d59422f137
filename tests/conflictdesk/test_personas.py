"""Every UI URL, tried as each persona: anonymous, outsider (no role), analyst, editor,
admin. Pages are for members only; each action answers 403 below its role and is let
through (whatever the validation then says) from its role up.

The table below is the design's "who may do what" for the web UI; a URL added to the
URL map without a row here fails `test_every_ui_url_is_in_the_table`.
"""

import uuid

import pytest
from django.urls import get_resolver, reverse

from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ClaimLinkFactory,
    IngestedFileFactory,
    MentionFactory,
    StoryFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("analyst", "editor", "admin")
RANK = {None: 0, "analyst": 1, "editor": 2, "admin": 3}

# url name -> (kwargs keys, GET page?, minimum role for POST or None when POST is not an action)
PAGES = {
    "claims:dashboard": (),
    "claims:chart_per_week": (),
    "claims:chart_responses": (),
    "claims:list": (),
    "claims:detail": ("pk",),
    "claims:review": (),
    "claims:actor_list": (),
    "claims:actor_detail": ("pk",),
    "claims:actor_dossier": ("pk",),
    "claims:story_dossier": ("pk",),
    "claims:tag_list": (),
    "sources:ingest": (),
    "sources:job": ("job_id",),
    "sources:story_list": (),
    "sources:story_detail": ("pk",),
    "sources:article_list": (),
    "sources:article_detail": ("pk",),
}
ACTIONS = {
    "claims:review_one": (("pk",), "analyst"),
    "claims:tags": (("pk",), "analyst"),
    "claims:link_add": (("pk",), "analyst"),
    "claims:link_remove": (("pk", "link_id"), "analyst"),
    "claims:review_bulk": ((), "analyst"),
    "claims:edit": (("pk",), "analyst"),
    "claims:merge": (("pk",), "editor"),
    "claims:mention_split": (("mention_id",), "editor"),
    "claims:alias_add": (("pk",), "editor"),
    "claims:alias_remove": (("pk", "alias_id"), "editor"),
    "claims:actor_merge": (("pk",), "editor"),
    "claims:actor_confirm": (("pk",), "editor"),
    "claims:attribute": (("pk",), "editor"),
    "claims:mention_edit": (("mention_id",), "editor"),
    "claims:tag_edit": (("pk",), "admin"),
    "sources:retry": (("file_id",), "analyst"),
    "sources:story_merge": (("pk",), "analyst"),
    "sources:article_move": (("pk",), "analyst"),
}
# Pages that also take a POST (a form on the page itself).
PAGE_POSTS = {"claims:tag_list": "analyst", "sources:ingest": "analyst"}
EXPORTS = {"claims:export": {"fmt": "csv"}}


@pytest.fixture
def world(db):
    from conflictdesk.roles import roles_sync
    from sources.models import IngestJob

    roles_sync()
    mention = MentionFactory()
    claim = mention.claim
    claim.story = mention.article.story or StoryFactory()
    claim.save()
    link = ClaimLinkFactory(target=claim)
    alias = ActorAliasFactory(actor=claim.claimant)
    failed = IngestedFileFactory(status="failed", error="broken")
    job = IngestJob.objects.create(origin="upload")
    return {
        "claim": claim,
        "mention": mention,
        "link": link,
        "alias": alias,
        "actor": claim.claimant,
        "story": claim.story,
        "article": mention.article,
        "tag": TagFactory(),
        "file": failed,
        "job": job,
        "other_actor": ActorFactory(),
    }


def kwargs_for(name: str, keys, world) -> dict:
    section = name.split(":")[1]
    values = {}
    for key in keys:
        if key == "pk":
            if "actor" in section or section.startswith("alias"):
                values[key] = world["actor"].pk
            elif "story" in section:
                values[key] = world["story"].pk
            elif "article" in section or section == "attribute":
                values[key] = world["article"].pk
            elif "tag" in section:
                values[key] = world["tag"].pk
            else:
                values[key] = world["claim"].pk
        elif key == "link_id":
            values[key] = world["link"].pk
        elif key == "alias_id":
            values[key] = world["alias"].pk
        elif key == "mention_id":
            values[key] = world["mention"].pk
        elif key == "file_id":
            values[key] = world["file"].pk
        elif key == "job_id":
            values[key] = world["job"].pk
    return values


def ui_url_names() -> set[str]:
    names = set()
    resolver = get_resolver()
    for namespace in ("claims", "sources"):
        _, sub = resolver.namespace_dict[namespace]
        for key in sub.reverse_dict:
            if isinstance(key, str):
                names.add(f"{namespace}:{key}")
    return names


def test_every_ui_url_is_in_the_table():
    assert ui_url_names() == set(PAGES) | set(ACTIONS) | set(EXPORTS)


def as_persona(client, role):
    if role == "outsider":
        client.force_login(UserFactory())
    elif role:
        client.force_login(UserFactory(role=role))


@pytest.mark.parametrize("name", sorted(PAGES) + sorted(EXPORTS))
def test_pages_need_a_login_and_a_role(client, world, name):
    kwargs = EXPORTS.get(name) or kwargs_for(name, PAGES[name], world)
    url = reverse(name, kwargs=kwargs)
    anonymous = client.get(url)
    assert anonymous.status_code == 302, url
    assert "/login/" in anonymous["Location"], url
    as_persona(client, "outsider")
    outsider = client.get(url)
    assert outsider.status_code == 403, url
    assert world["claim"].text not in outsider.content.decode(errors="replace")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES) + sorted(EXPORTS))
def test_every_member_sees_every_page(client, world, name, role):
    kwargs = EXPORTS.get(name) or kwargs_for(name, PAGES[name], world)
    as_persona(client, role)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, (name, role, response.status_code)


ACTION_CASES = [(name, keys, minimum) for name, (keys, minimum) in sorted(ACTIONS.items())] + [
    (name, PAGES[name], minimum) for name, minimum in sorted(PAGE_POSTS.items())
]


@pytest.mark.parametrize(("name", "keys", "minimum"), ACTION_CASES)
def test_actions_refuse_roles_below_theirs_and_let_theirs_through(
    client, world, name, keys, minimum
):
    url = reverse(name, kwargs=kwargs_for(name, keys, world))
    anonymous = client.post(url)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    for role in ("outsider", *ROLES):
        client.logout()
        as_persona(client, role)
        response = client.post(url, {"version": "0"})
        allowed = role != "outsider" and RANK[role] >= RANK[minimum]
        if allowed:
            assert response.status_code != 403, (name, role)
        else:
            assert response.status_code == 403, (name, role, response.status_code)
    # A GET on an action never changes anything and is not a page for outsiders either.
    client.logout()
    as_persona(client, "outsider")
    assert client.get(url).status_code in (403, 405)


def test_a_job_that_does_not_exist_is_a_404_for_members(client, world):
    as_persona(client, "analyst")
    response = client.get(reverse("sources:job", kwargs={"job_id": uuid.uuid4()}))
    assert response.status_code == 404
