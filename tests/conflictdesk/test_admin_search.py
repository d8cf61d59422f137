"""The admin's search box folds Arabic the way matching does."""

import pytest

from claims.models import Actor
from tests.factories import ClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client):
    from conflictdesk.roles import roles_sync

    roles_sync()
    client.force_login(UserFactory(role="analyst", is_staff=True))
    return client


@pytest.mark.parametrize("query", ["لـ”قسد”", "وقسد", "SDF", "قوات سوريا الديمقراطيه"])
def test_searching_actors_finds_the_sdf_under_any_spelling(analyst_client, query):
    sdf = Actor.objects.get(aliases__normalized="قسد")
    response = analyst_client.get("/admin/claims/actor/", {"q": query})
    assert response.status_code == 200
    assert sdf in response.context["cl"].result_list


def test_searching_claims_ignores_diacritics_tatweel_and_obfuscation(analyst_client):
    wanted = ClaimFactory(text="خلايا د1عـ.ـش نفّذت الهجوم على الحاجز")
    ClaimFactory(text="قصف مدفعي على قرية قرب النهر")
    response = analyst_client.get("/admin/claims/claim/", {"q": "داعش نفذت"})
    assert list(response.context["cl"].result_list) == [wanted]
