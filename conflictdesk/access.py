"""Who may see the UI: signed-in members of a role; everyone else sees nothing.

Every UI view is wrapped in `member_required`; views that change data also name the
permission they need with `permission_needed`. Both answer a signed-in outsider with the
403 page (never a redirect loop to the login page) and send anonymous visitors to log in.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from conflictdesk.roles import ADMIN, ANALYST, EDITOR

ROLES = (ANALYST, EDITOR, ADMIN)


def is_member(user) -> bool:
    """A user who holds one of the three roles (or is a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_conflictdesk_member", None)
    if cached is None:
        cached = user.groups.filter(name__in=ROLES).exists()
        user._conflictdesk_member = cached
    return cached


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


def member_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_member(request.user):
            return forbidden(request)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def permission_needed(*perms: str) -> Callable:
    """Membership plus every named permission (e.g. "claims.add_mention")."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perms(perms):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return member_required(wrapper)

    return decorator
