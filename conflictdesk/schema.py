"""The OpenAPI schema class of every API view (settings: DEFAULT_SCHEMA_CLASS).

A module of its own: drf-spectacular's AutoSchema imports DRF's views, which import the
authentication classes of conflictdesk.api.
"""

from drf_spectacular.openapi import AutoSchema

from conflictdesk.api import ErrorOutput


class ApiSchema(AutoSchema):
    """drf-spectacular's schema, plus the errors every operation can answer with (bad
    parameters, authentication, permission, unknown object or cursor, throttling), all
    in the one error shape, so that clients and schema-driven tests know them."""

    error_codes = (400, 401, 403, 404, 429)

    # The hook is the response bodies, not get_response_serializers: @extend_schema
    # replaces that method on a subclass of this one.
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        for code in map(str, self.error_codes):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorOutput, code, direction=direction
                )
        return responses
