"""What every endpoint of /api/v1/ shares: authentication, permissions, throttling,
pagination, conditional requests and the one error shape.

Every error is answered as
    {"error": {"code": "not_found", "message": "...", "details": {...}}}
with `message` in the language of the request (Accept-Language through Django's
LocaleMiddleware: Arabic, the site's default, or English). The Arabic catalog of these
messages is locale/ar/LC_MESSAGES/django.po, the project's one catalog; DRF's own field
messages in `details` come translated by DRF's catalog.
"""

import binascii
import hashlib
import os
from functools import cache
from hmac import compare_digest

import django_filters
from django.core.cache import caches
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import connections
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from conflictdesk.caching import RedisCache
from conflictdesk.db import prepared_cursor
from conflictdesk.errors import Conflict, DomainError, NotFound

MESSAGES = {
    "validation_error": _("The request is not valid; the details say which fields and why."),
    "parse_error": _("The request body could not be read."),
    "not_authenticated": _("Authentication is required: send a token or sign in."),
    "authentication_failed": _("The token is not valid: it is wrong, expired or revoked."),
    "permission_denied": _("You do not have permission to do this."),
    "read_only_token": _("This token is read-only: it cannot change anything."),
    "not_found": _("Not found."),
    "method_not_allowed": _("This method is not allowed here."),
    "not_acceptable": _("The requested format is not available."),
    "unsupported_media_type": _("This content type is not supported."),
    "throttled": _("Too many requests: wait %(wait)s seconds and try again."),
    "conflict": _("The change conflicts with the current data."),
    "precondition_failed": _(
        "The object changed since you read it: read it again and repeat your change."
    ),
    "precondition_required": _("Send If-Match with the ETag or the version you read."),
    "invalid_input": _("The input breaks a rule; the details say which."),
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = MESSAGES["precondition_failed"]
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = MESSAGES["precondition_required"]
    default_code = "precondition_required"


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = MESSAGES["conflict"]
    default_code = "conflict"


class InvalidInputError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = MESSAGES["invalid_input"]
    default_code = "invalid_input"


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, Http404 | NotFound):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, Conflict):
        return ConflictError()
    if isinstance(exc, DomainError):  # InvalidInput, or any other refusal
        return InvalidInputError()
    return exc


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    detail = exc.detail
    if isinstance(detail, exceptions.ErrorDetail) and detail.code in MESSAGES:
        return detail.code
    return exc.default_code


def exception_handler(exc, context):
    """DRF's handler (status, WWW-Authenticate, Retry-After), then the one error shape."""
    # Imported here: DRF imports this module (the authentication class) while it loads
    # rest_framework.views.
    from rest_framework.views import exception_handler as drf_exception_handler

    domain_reason = str(exc) if isinstance(exc, DomainError) else ""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _code(exc)
    details: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    elif isinstance(exc, exceptions.Throttled):
        details = {"wait": exc.wait and int(exc.wait + 0.999)}
    elif domain_reason:
        details = {"reason": domain_reason}
    if code in MESSAGES:
        message = str(MESSAGES[code])
        if code == "throttled":
            message = message % {"wait": details["wait"]}
    else:
        message = str(exc.detail)
    response.data = {"error": {"code": code, "message": message, "details": details}}
    return response


class ErrorBody(serializers.Serializer):
    code = serializers.CharField(help_text="A stable, machine-readable code: not_found, ...")
    message = serializers.CharField(help_text="For people, in the language of the request.")
    details = serializers.DictField(help_text="Field errors, the wait of a throttle, ...")


class ErrorOutput(serializers.Serializer):
    """The shape of every error the API returns."""

    error = ErrorBody()


def error_responses(*codes: int) -> dict:
    """The error responses of an endpoint, for its schema."""
    return {code: ErrorOutput for code in (401, 403, 429, *codes)}


class ScopedTokenAuthentication(TokenAuthentication):
    """knox's token authentication (tokens stored hashed, with an expiry); request.auth
    is the token's ApiToken, which carries its scope (`read_only`).

    A read-only token is refused here for any unsafe method, so that no view can let it
    write, even one that sets its own permission classes (the ingest upload does).
    """

    def authenticate(self, request):
        found = super().authenticate(request)
        if found and found[1].read_only and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied(MESSAGES["read_only_token"], code="read_only_token")
        return found

    def authenticate_credentials(self, token: bytes):
        """knox's check in one query (the token with its user and scope) instead of
        three: knox also reads all the user's other tokens at every request to delete
        the expired ones. Here a token is refused and deleted when it is used after its
        expiry, and accounts.services.api_token_create deletes the user's expired ones."""
        from knox.settings import CONSTANTS, knox_settings
        from knox.signals import token_expired

        message = MESSAGES["authentication_failed"]
        try:
            token = token.decode("utf-8")
        except UnicodeDecodeError as exc:  # a header of other bytes is no token of ours
            raise exceptions.AuthenticationFailed(message) from exc
        for auth_token in tokens_with_user_and_scope(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                username = auth_token.user.get_username()
                auth_token.delete()
                token_expired.send(sender=type(self), username=username, source="auth_token")
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(message) from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def validate_user(self, auth_token):
        from accounts.models import ApiToken

        user, auth_token = super().validate_user(auth_token)
        try:
            api_token = auth_token.api_token
        except ApiToken.DoesNotExist:
            # A bare knox token (made outside accounts.services) gets the safe scope.
            api_token = ApiToken(auth_token=auth_token, name="", read_only=True)
        return user, api_token


def tokens_with_user_and_scope(token_key: str, using: str = "default") -> list:
    """knox's tokens with this lookup key, each with its user and its ApiToken (None for a
    bare knox token) already attached: one query.

    On PostgreSQL that query is prepared once per connection and its rows made into
    instances directly: the ORM spent 0.9 of the 1.3 ms this took at every API request
    building the same three-table SELECT and its instances (docs/BENCH-WEB.md). Other
    databases take the ORM's way (SQLite's timestamps need the ORM's converters)."""
    from knox.models import get_token_model

    if connections[using].vendor != "postgresql":
        return list(
            get_token_model()
            .objects.using(using)
            .filter(token_key=token_key)
            .select_related("user", "api_token")
        )
    sql, models_ = _token_statement()
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, {"key": token_key})
        rows = cursor.fetchall()
    (token_model, token_names), (user_model, user_names), (scope_model, scope_names) = models_
    found = []
    for row in rows:
        token = token_model.from_db(using, token_names, row[: len(token_names)])
        rest = row[len(token_names) :]
        user = user_model.from_db(using, user_names, rest[: len(user_names)])
        rest = rest[len(user_names) :]
        scope = None if rest[0] is None else scope_model.from_db(using, scope_names, rest)
        token_model._meta.get_field("user").set_cached_value(token, user)
        token_model._meta.get_field("api_token").set_cached_value(token, scope)
        if scope is not None:
            scope_model._meta.get_field("auth_token").set_cached_value(scope, token)
        found.append(token)
    return found


@cache
def _token_statement():
    """The SELECT of knox_authtoken with its user and (LEFT JOIN) its ApiToken, every
    concrete column of the three in model order, and each model with its field names."""
    from django.contrib.auth import get_user_model
    from knox.models import get_token_model

    from accounts.models import ApiToken

    token, user, scope = get_token_model(), get_user_model(), ApiToken
    models_ = []
    columns = []
    for alias, model in (("t", token), ("u", user), ("s", scope)):
        fields = model._meta.concrete_fields
        models_.append((model, [f.attname for f in fields]))
        columns += [f'{alias}."{f.column}"' for f in fields]
    user_fk = token._meta.get_field("user")
    scope_fk = scope._meta.get_field("auth_token")
    sql = (
        f"SELECT {', '.join(columns)} FROM {token._meta.db_table} t"
        f' JOIN {user._meta.db_table} u ON u."{user._meta.pk.column}" = t."{user_fk.column}"'
        f' LEFT JOIN {scope._meta.db_table} s ON s."{scope_fk.column}"'
        f' = t."{token._meta.pk.column}"'
        f' WHERE t."{token._meta.get_field("token_key").column}" = %(key)s'
    )
    return sql, models_


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "conflictdesk.api.ScopedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication: "Authorization: Token <token>".',
        }


def token_scope_read_only(request) -> bool:
    from accounts.models import ApiToken

    return isinstance(request.auth, ApiToken) and request.auth.read_only


class ReadOnlyTokenCannotWrite(permissions.BasePermission):
    message = MESSAGES["read_only_token"]
    code = "read_only_token"

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or not token_scope_read_only(request)


class RolePermission(permissions.BasePermission):
    """Reads need the view's `read_permission`; an outsider (no role) has none and sees
    nothing. Writes need `write_permission`."""

    def has_permission(self, request, view):
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm(view.read_permission)
        needed = getattr(view, "write_permission", None)
        return bool(needed) and user.has_perm(needed)


API_PERMISSIONS = [permissions.IsAuthenticated, ReadOnlyTokenCannotWrite, RolePermission]


class PerTokenThrottle(SimpleRateThrottle):
    """One budget per token (each of a user's tokens its own), or per signed-in user for
    the browser. The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"]
    (CONFLICTDESK_API_RATE), read at each request so that tests can change it."""

    scope = "api"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        # With Redis, the budget is checked and spent by one script, in one round trip
        # and atomically: DRF reads the history and writes it back, two round trips
        # between which another process's request can be lost, letting a client that
        # sends in parallel past its rate. Other caches (the laptop's memory): DRF's.
        backend = caches["default"]
        if not isinstance(backend, RedisCache):
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # A key of its own: DRF's throttle kept a pickled list under self.key, and a
        # sorted set under the same name would fail on the type while both versions run.
        key = backend.make_and_validate_key(f"{self.key}:window")
        wait = backend.script(_SLIDING_WINDOW_LUA)(
            keys=[key], args=[self.duration, self.num_requests, os.urandom(6).hex()]
        )
        # At least a millisecond: DRF rounds the wait up, and a zero would say "now".
        self._wait = None if wait is None else max(0.001, float(wait))
        return self._wait is None

    def wait(self):
        if hasattr(self, "_wait"):
            return self._wait
        return super().wait()

    def get_cache_key(self, request, view):
        from accounts.models import ApiToken

        if isinstance(request.auth, ApiToken) and request.auth.pk:
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# A sliding window: the times of the requests of the last `window` seconds, in a sorted
# set (Redis's own clock, the same for every web process). Returns nil when the request
# may go (and is counted), else the seconds until the oldest counted one leaves the window.
_SLIDING_WINDOW_LUA = """
local key, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, clock[1] .. '.' .. clock[2] .. ':' .. ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return false
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if #oldest == 0 then
  return tostring(window)
end
return tostring(tonumber(oldest[2]) + window - now)
"""


class UpdatedCursorPagination(CursorPagination):
    """Cursor pagination, stable under inserts: the position is a value of the first
    ordering field, and ties are broken by id, so pages never skip or repeat a row."""

    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        # DRF falls back to the default for a bad page_size; a client that asked for
        # something else should hear that it did not get it.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size or api_settings.PAGE_SIZE,
                }
        return parameters

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        first = ordering[0]
        if first.lstrip("-") == "id":
            return (first,)
        return (first, "-id" if first.startswith("-") else "id")


def etag_for(*parts) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]
    return f'"{digest}"'


def if_none_match(request, etag: str) -> bool:
    """True when the client's copy (If-None-Match) is current: answer 304."""
    header = request.headers.get("If-None-Match", "")
    tags = {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
    return "*" in tags or etag in tags


def expected_version(request, *, etag: str, version: int, body_version) -> int:
    """The version the client's write is based on: If-Match (the ETag, or the bare
    version number) or a `version` in the body. A stale ETag gives a version that can
    never match, so the write fails with 412 and changes nothing."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        if header.isdigit():
            return int(header)
        tags = {t.strip().removeprefix("W/") for t in header.split(",")}
        if "*" in tags or etag in tags:
            return version
        raise PreconditionFailed()
    if body_version is not None:
        return body_version
    raise PreconditionRequired()


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's, except that `?format=` with no value is a 400, as an empty filter value is:
    DRF reads it as no format at all."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if not format_suffix and name and request.query_params.get(name, None) == "":
            message = _("An empty value is not allowed; leave the parameter out.")
            raise exceptions.ValidationError({name: [message]})
        return super().select_renderer(request, renderers, format_suffix)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, minus its habit of reading `?updated_since=` as "no filter": an
    API client that sends a parameter with no value gets a 400 saying so, unless the
    parameter is free text (an empty `q` is a search for nothing in particular)."""

    def filter_queryset(self, request, queryset, view):
        # No parameter names a filter (a plain page, a cursor): nothing to validate or
        # filter, and no form to build.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and request.query_params.keys().isdisjoint(
            filterset_class.base_filters
        ):
            return queryset
        # As django-filter's, with only the filters the request names: the others would
        # be empty (claims.filters.FilterSet.with_filters).
        filterset = self.get_filterset(request, queryset, view, only_named=True)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs

    def get_filterset(self, request, queryset, view, *, only_named: bool = False):
        # Without only_named (the browsable API's filter form, to_html): every filter.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        if only_named and hasattr(filterset_class, "with_filters"):
            filterset_class = filterset_class.with_filters(request.query_params.keys())
        filterset = filterset_class(**self.get_filterset_kwargs(request, queryset, view))
        if filterset is not None:
            empty = [
                name
                for name, field in filterset.filters.items()
                if request.query_params.get(name, None) == ""
                and not isinstance(field, django_filters.CharFilter)
            ]
            if empty:
                message = _("An empty value is not allowed; leave the parameter out.")
                raise exceptions.ValidationError({name: [message] for name in empty})
            # django-filter reads any other word as "unknown" and filters nothing.
            not_boolean = [
                name
                for name, field in filterset.filters.items()
                if isinstance(field, django_filters.BooleanFilter)
                and name in request.query_params
                and request.query_params[name].lower() not in {"true", "false", "1", "0"}
            ]
            if not_boolean:
                message = _("Give true or false.")
                raise exceptions.ValidationError({name: [message] for name in not_boolean})
        return filterset
