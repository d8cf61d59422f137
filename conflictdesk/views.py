from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found


@require_GET
def healthz(request):
    """Liveness for load balancers and docker-compose: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means unhealthy; say which
        return JsonResponse({"database": f"error: {type(exc).__name__}"}, status=503)
    return JsonResponse({"database": "ok"})


def not_found(request, exception=None):
    """404 for any URL that resolves to nothing: the API's JSON error shape under /api/
    (a client asking /api/v1/claims/abc/ gets JSON, not an HTML page), the site's page
    elsewhere."""
    if request.path.startswith("/api/"):
        from conflictdesk.api import MESSAGES

        body = {
            "error": {"code": "not_found", "message": str(MESSAGES["not_found"]), "details": {}}
        }
        return JsonResponse(body, status=404)
    return page_not_found(request, exception)
