"""Every page of the portal, the customer's account area and the staff pages, found from the URL
configuration: every path parameter, every query parameter its forms use and every field of
every form it shows, each with NUL, CR LF, overlong, blank and out-of-range values. Never a
server error; a refusal is a page (HTML), as everything else on this surface."""

from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from partnerhub.api.tests import conftest as api_fixtures
from partnerhub.api.tests.cast import Cast
from partnerhub.tests.bad_input import CRLF, NUL, OVERLONG

pytestmark = pytest.mark.django_db

# The API's cast, built once for the module
_module_cast = api_fixtures._module_cast
cast = api_fixtures.cast

FIELD_VALUES = {
    "NUL": NUL,
    "CRLF": CRLF,
    "overlong": OVERLONG,
    "blank": "   ",
    "not a number": "abc",
    "negative": "-1",
    "huge": "9" * 30,
    "bigint+1": str(2**63),
}
PATH_VALUES = {
    "NUL": "a%00b",
    "CRLF": "a%0D%0Ab",
    "overlong": "x" * 3000,
    "huge": "9" * 30,
    "bigint+1": str(2**63),
}
QUERY_VALUES = {k: FIELD_VALUES[k] for k in ("NUL", "CRLF", "overlong", "not a number", "huge")}


class Forms(HTMLParser):
    """The forms of a page: method, action and fields with the values the page fills in."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.link_parameters: set[str] = set()
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "?" in (a.get("href") or ""):
            query = a["href"].split("?", 1)[1]
            self.link_parameters |= {pair.split("=", 1)[0] for pair in query.split("&") if pair}
        if tag == "form":
            self.forms.append(
                {
                    "method": (a.get("method") or "get").lower(),
                    "action": a.get("action") or "",
                    "htmx": "hx-post" in a,
                    "fields": {},
                }
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.forms[-1]["fields"].setdefault(a["name"], a.get("value", "on"))
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["fields"][a["name"]] = ""
        elif tag == "option" and self._select:
            fields = self.forms[-1]["fields"]
            if not fields[self._select] or "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def portal_patterns():
    """(route, pattern) of every page URL outside the APIs and the admin."""

    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith(("api/", "v3/", "admin/", "^api")):
                    continue
                yield from walk(p, route)
            elif isinstance(p, URLPattern) and not route.startswith(("api/", "v3/", "^api")):
                yield route, p

    return list(walk(get_resolver()))


def _fill(route: str, values: dict) -> str:
    url = route
    for name, value in values.items():
        for kind in ("str", "int", "account_id", ""):
            token = f"<{kind}:{name}>" if kind else f"<{name}>"
            url = url.replace(token, str(value))
    return "/" + url


def _who_and_params(route: str, cast: Cast) -> tuple[object, dict]:
    params = {
        "encoded_account_id": cast.bakery.encoded_account_id,
        "key_id": 1,
        "client_id": 1,
        "endpoint_id": cast.endpoint.pk,
        "member_id": cast.member.pk,
        "payout_id": 1,
        "notice_id": 1,
        "uidb64": "MQ",
        "token": "set-password",
    }
    if route.startswith("staff/"):
        return cast.staff, params
    if route.startswith("account/"):
        return cast.bakery.owner, params
    return cast.owner.user, params


def _check(response, what: str, found: list[str]) -> None:
    status = response.status_code
    if getattr(response, "streaming", False):
        # A download is written while it is sent: a failure half-way is a server error too.
        try:
            b"".join(response.streaming_content)
        except Exception as error:
            found.append(f"{what}: failed while streaming ({type(error).__name__}: {error})")
            return
    if status >= 500:
        found.append(f"{what}: {status}")
    elif status >= 400 and "text/html" not in response.get("Content-Type", ""):
        found.append(f"{what}: {status} answered {response.get('Content-Type')}")


ROUTES = [route for route, _ in portal_patterns()]


@pytest.mark.parametrize("route", ROUTES)
def test_no_page_input_gets_a_server_error(route: str, cast: Cast):
    # Given the person whose page it is, signed in
    user, params = _who_and_params(route, cast)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    url = _fill(route, params)
    found: list[str] = []

    # When every path parameter gets every bad value
    names = [n for n in params if f":{n}>" in route or f"<{n}>" in route]
    for name in names:
        for label, value in PATH_VALUES.items():
            bad_url = _fill(route, {**params, name: value})
            _check(client.get(bad_url), f"GET {route} path {name}={label}", found)
            _check(client.post(bad_url, {}), f"POST {route} path {name}={label}", found)

    # And every query parameter the page's forms and links use gets every bad value
    page = client.get(url)
    _check(page, f"GET {url}", found)
    is_page = page.status_code == 200 and "text/html" in page.get("Content-Type", "")
    html = page.content.decode(errors="replace") if is_page and not page.streaming else ""
    parsed = forms_of(html)
    forms = parsed.forms
    # The parameters of the page's links (paging, sorting), of its GET forms, and ``next``
    query_names = parsed.link_parameters | {"next"}
    for form in forms:
        if form["method"] == "get":
            query_names |= set(form["fields"])
    for name in sorted(query_names):
        for label, value in QUERY_VALUES.items():
            what = f"GET {url}?{name}={label}"
            _check(client.get(url, {name: value}), what, found)

    # And every field of every kind of form it shows gets every bad value (a form repeated on
    # every row of a table is walked once)
    walked = set()
    for form in (f for f in forms if f["method"] == "post"):
        action = form["action"] or url
        kind = (resolve(urlsplit(action).path).url_name, tuple(sorted(form["fields"])))
        if kind in walked or kind[0] == "logout":
            continue
        walked.add(kind)
        for name in form["fields"]:
            if name == "csrfmiddlewaretoken":
                continue
            for label, value in FIELD_VALUES.items():
                data = {**form["fields"], name: value}
                what = f"POST {action} {name}={label}"
                _check(client.post(action, data), what, found)
                if form["htmx"]:
                    hx = {"HX-Request": "true"}
                    _check(client.post(action, data, headers=hx), f"{what} (htmx)", found)

    # Then no answer is a server error, and every refusal is a page
    assert "\n".join(found) == ""


def test_every_page_is_walked():
    assert {"portal/accounts/", "staff/earnings/payouts/approve/", "signin/"} <= set(ROUTES)


@pytest.mark.parametrize("query", ["q=a%00b", "status=%00", "next=%00", "cursor=a%00"])
def test_a_nul_in_a_query_string_answers_a_page_saying_so(cast: Cast, client, query):
    client.force_login(cast.owner.user)

    response = client.get(f"/portal/accounts/?{query}")

    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert "cannot be used (a NUL character)" in response.content.decode()


def test_a_nul_in_an_account_path_answers_a_page_saying_so(cast: Cast, client):
    client.force_login(cast.owner.user)

    response = client.get("/portal/accounts/" + quote("ab\x00cd") + "/")

    assert response.status_code == 400
    assert "cannot be used (a NUL character)" in response.content.decode()
