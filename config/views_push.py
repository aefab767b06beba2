"""GET /push/stream: the signed-in user's server-sent events (config.push)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from config.push import stream


@require_GET
@login_required
def push_stream(request: HttpRequest) -> StreamingHttpResponse:
    assert request.user.pk is not None
    response = StreamingHttpResponse(stream(request.user.pk), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must not hold the events back
    return response
