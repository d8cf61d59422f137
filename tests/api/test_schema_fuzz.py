"""Schemathesis drives every read operation of the published OpenAPI schema against the
running app (a real HTTP server) and checks each answer against the schema: no 5xx, status
codes, content types, headers and bodies as documented."""

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, settings

from accounts.services import api_token_create
from tests.factories import ClaimFactory, MentionFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def published_schema():
    """The document /api/schema/ serves (generated here: it needs no request)."""
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    # Writes (the claim PATCH, uploads) have their own tests; fuzzing them would only
    # exercise the version check. Every read is fuzzed.
    return schemathesis.openapi.from_dict(document).include(method="GET", path_regex="^/api/v1/")


# Built at collection (pytest-django has configured Django by then): schemathesis's lazy
# fixture loader does not run on pytest 9.
schema = published_schema()


@pytest.fixture
def served(live_server):
    from conflictdesk.roles import roles_sync

    roles_sync()
    tag = TagFactory()
    for _ in range(3):
        mention = MentionFactory()
        mention.claim.tags.add(tag)
    ClaimFactory(responds_to=mention.claim, story=mention.article.story)
    _, key = api_token_create(
        user=UserFactory(role="analyst"), name="fuzz", read_only=True, expiry=None
    )
    return live_server.url, {"Authorization": f"Token {key}"}


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_read_operation_answers_as_its_schema_says(case, served):
    from django.conf import settings as django_settings

    base_url, headers = served
    unlimited = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/min"}}
    with override_settings(REST_FRAMEWORK=unlimited):
        case.call_and_validate(base_url=base_url, headers=headers)
