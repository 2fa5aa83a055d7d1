from django.http import JsonResponse
from ninja import Schema


def json_response(body: Schema | dict, status: int = 200) -> JsonResponse:
    data = body.model_dump(mode="json") if isinstance(body, Schema) else body
    return JsonResponse(data, status=status)
