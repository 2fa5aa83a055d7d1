"""Addresses that no page can answer: a path or query string holding text that no database
column can store (a NUL character) is answered with a 400 page at once, before any view or
the admin compares it with a column (PostgreSQL refuses it with a server error).

The APIs answer such input themselves, in their own error formats (their parser and URL
converters), so their paths are left to them."""

from django.shortcuts import render

from partnerhub.core.text import unstorable_problem

API_PREFIXES = ("/api/", "/v3/")


class RefuseUnstorableAddress:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIXES) and _unstorable(request):
            return render(
                request,
                "400.html",
                {
                    "reason": "The address holds a character that cannot be used (a NUL "
                    "character). Remove it, or go back and try again."
                },
                status=400,
            )
        return self.get_response(request)


def _unstorable(request) -> bool:
    if unstorable_problem(request.path_info):
        return True
    return any(
        unstorable_problem(key) or any(unstorable_problem(v) for v in values)
        for key, values in request.GET.lists()
    )
