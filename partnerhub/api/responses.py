from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema

from partnerhub.api.renderers import ORJSONRenderer

_renderer = ORJSONRenderer()


def json_response(body: Schema | dict, status: int = 200) -> JsonResponse:
    data = body.model_dump(mode="json") if isinstance(body, Schema) else body
    return JsonResponse(data, status=status)


def rendered(request: HttpRequest, data: dict, status: int = 200) -> HttpResponse:
    """``data``, already in the shape of the operation's response schema, written by the API's
    renderer without validating it again."""
    return HttpResponse(
        _renderer.render(request, data, response_status=status),
        status=status,
        content_type=_renderer.media_type,
    )
