from conflictdesk.access import is_member


def membership(request) -> dict:
    """What the navigation needs: whether to show the app's pages at all."""
    user = getattr(request, "user", None)
    return {"is_member": bool(user and is_member(user))}
