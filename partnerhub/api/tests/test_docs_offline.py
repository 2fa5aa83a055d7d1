"""The interactive API docs work on a machine that reaches nothing outside: every script and
style sheet they load is one of ours."""

import re

import pytest


@pytest.mark.parametrize("path", ["/api/v1/docs", "/v3/docs"])
def test_docs_page_loads_swagger_ui_from_our_own_static_files(client, path):
    # Given the docs page of an API
    # When it is opened
    response = client.get(path)

    # Then it loads the Swagger UI from /static/, and nothing from another host
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert "/static/ninja/swagger-ui.css" in sources
    assert [s for s in sources if "//" in s] == []
    # And it runs no inline script: its settings are data, read by a static file
    assert re.findall(r"<script(?![^>]*\b(?:src|type=\"application/json\"))[^>]*>", html) == []


def test_the_swagger_ui_files_are_served(client):
    # Given the docs page's own files
    for name in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        # When one is fetched
        response = client.get(f"/static/ninja/{name}")
        # Then it is there
        assert response.status_code == 200, name
