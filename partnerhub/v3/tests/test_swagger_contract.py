"""Every partner operation of the public V3 Swagger document (loaded as it is, from
``contract/``), against PartnerHub's V3 surface: the operation is served, with the contract's
path, query and body parameters; it declares only statuses the contract lists for it (and 429,
from the public rate-limits guide); and, driven over HTTP, each status the contract lists is
answered where PartnerHub can be brought to it, with a body of the contract's shape (the error
array for the errors). Swagger 2 has no ``nullable``: the contract's own descriptions give
null for a trial's ``billing_day_of_month`` and a ``last_login_date`` never set, so null is
accepted for any property."""

import json
from pathlib import Path

import pytest
import yaml

from partnerhub.access.levels import AccessLevel
from partnerhub.clients.models import ClientAccount
from partnerhub.v3.api import api
from partnerhub.v3.tests.product_server import ProductServer

CONTRACT = yaml.safe_load(
    (Path(__file__).parent / "contract" / "constant-contact-v3-partner-subset.yml").read_text()
)
DEFINITIONS = CONTRACT["definitions"]
OURS = api.get_openapi_schema()
OPERATIONS = {
    op["operationId"]: (method, path, op)
    for path, item in CONTRACT["paths"].items()
    for method, op in item.items()
}
GUIDE_STATUSES = {429}  # the public rate-limits guide: every operation may answer it


def _resolve(schema: dict, definitions: dict, prefix: str) -> dict:
    while "$ref" in schema:
        schema = definitions[schema["$ref"].removeprefix(prefix)]
    return schema


def contract_schema(schema: dict) -> dict:
    return _resolve(schema, DEFINITIONS, "#/definitions/")


def our_schema(schema: dict) -> dict:
    if "anyOf" in schema:  # an optional body: the schema beside null
        [schema] = [s for s in schema["anyOf"] if s.get("type") != "null"]
    return _resolve(schema, OURS["components"]["schemas"], "#/components/schemas/")


def shape_problems(value, schema: dict, where: str = "body") -> list[str]:
    """Where ``value`` departs from the contract's ``schema`` (type, properties, items, enum)."""
    schema = contract_schema(schema)
    if value is None:
        return []
    kind = schema.get("type", "object" if "properties" in schema else None)
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind and not checks[kind](value):
        return [f"{where}: {value!r} is not {kind}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}.{name}: missing")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                problems += shape_problems(value[name], sub, f"{where}.{name}")
    if kind == "array":
        for n, item in enumerate(value):
            problems += shape_problems(item, schema.get("items", {}), f"{where}[{n}]")
    return problems


def error_array_problems(response) -> list[str]:
    body = response.json()
    if not (isinstance(body, list) and body):
        return [f"not an error array: {body!r}"]
    return [
        f"error item {item!r}"
        for item in body
        if set(item) != {"error_key", "error_message"}
        or not all(isinstance(item[k], str) and item[k] for k in item)
    ]


# --- the operations and their parameters ----------------------------------------------------


def test_the_contract_is_the_nine_partner_paths():
    assert len(CONTRACT["paths"]) == 9
    assert all(path.startswith("/partner/") for path in CONTRACT["paths"])
    assert len(OPERATIONS) == 13


def _ours(method: str, path: str) -> dict:
    return OURS["paths"][CONTRACT["basePath"] + path][method]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_the_operation_is_served_with_the_contracts_parameters(operation_id):
    method, path, op = OPERATIONS[operation_id]
    ours = _ours(method, path)
    our_parameters = {(p["in"], p["name"]) for p in ours.get("parameters", [])}
    for parameter in op.get("parameters", []):
        if parameter["in"] != "body":
            assert (parameter["in"], parameter["name"]) in our_parameters, parameter["name"]
            continue
        body = contract_schema(parameter["schema"])
        ours_body = our_schema(ours["requestBody"]["content"]["application/json"]["schema"])
        missing = set(body.get("properties", {})) - set(ours_body["properties"])
        assert not missing, f"{operation_id} body lacks {sorted(missing)}"
        required = set(body.get("required", [])) - set(ours_body.get("required", []))
        assert not required, f"{operation_id} does not require {sorted(required)}"
        for name, prop in body.get("properties", {}).items():
            mine = our_schema(ours_body["properties"][name])
            if "enum" in prop:
                allowed = set(mine.get("enum", []))
                assert allowed == set(prop["enum"]), (name, allowed)


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_the_operation_declares_the_contracts_statuses(operation_id):
    method, path, op = OPERATIONS[operation_id]
    contract = {int(code) for code in op["responses"]}
    declared = {int(code) for code in _ours(method, path)["responses"]}
    assert declared - GUIDE_STATUSES <= contract, sorted(declared - contract)
    assert min(contract) in declared  # its success status


# --- driven over HTTP -------------------------------------------------------------------------


@pytest.fixture
def product(settings):
    server = ProductServer().start()
    settings.PARTNERHUB_PRODUCT_API_URL = server.url
    settings.PARTNERHUB_PRODUCT_API_TOKEN = "contract-test-token"
    yield server
    server.stop()


class Caller:
    def __init__(self, client, cast, product):
        self.client, self.cast, self.product = client, cast, product

    def __call__(self, method, path, body=None, *, headers=None, content_type=None, **ids):
        ids.setdefault("encoded_account_id", self.cast.paying.encoded_account_id)
        ids.setdefault("topic_id", "1")
        url = CONTRACT["basePath"] + path.format(**ids)
        headers = self.cast.owner.headers if headers is None else headers
        if body is None and content_type is None:
            return getattr(self.client, method)(url, headers=headers)
        data = body if isinstance(body, str) else json.dumps(body)
        return getattr(self.client, method)(
            url, data=data, content_type=content_type or "application/json", headers=headers
        )


PROVISION = {
    "contact_email": "hank@fruit.example",
    "country_code": "US",
    "login_name": "hank_smith",
    "state_code": "MA",
    "password": "Orchard-Basket-77",
}
SSO_USER = {
    "first_name": "Josie",
    "last_name": "Lang",
    "role_name": "account_manager",
    "contact_email": "josie.lang@anymail.example",
    "login_name": "josie.lang",
    "external_id": "23378234122161121",
    "external_provider": "Yahoo",
}
SYNC = {"account_operation_url": "/contacts", "account_operation_method": "GET"}
UNSUBSCRIBE = {"email_addresses": ["a@b.example"], "update_source": "Contact"}
HOOK = {"hook_uri": "https://127.0.0.1:9/hooks/v3"}


def _reports_only(call):
    ClientAccount.objects.filter(pk=call.cast.paying.pk).update(access_level=AccessLevel.REPORTS)


def _subscribed(call):
    assert call("put", "/partner/webhooks/subscriptions/{topic_id}", HOOK).status_code == 200


def _created(call):
    assert call("post", "/partner/accounts", PROVISION).status_code == 201


def _product_404(call):
    call.product.answer_json(404, [{"error_key": "not_found", "error_message": "No contact."}])


def _product_unsubscribes(call):
    call.product.answer_json(200, {"unsubscribed_count": 1})


def _product_unset(call):
    from django.conf import settings

    settings.PARTNERHUB_PRODUCT_API_URL = ""


NO_AUTH = {"headers": {}}
# (operation, status) -> (what to set up first, the request). The request is the operation's
# own method and path, as the contract names them.
SCENARIOS = {
    ("getPartnerSiteOwners", 200): (None, {}),
    ("getPartnerSiteOwners", 400): (None, {"path_suffix": "?offset=not-a-cursor"}),
    ("getPartnerSiteOwners", 401): (None, NO_AUTH),
    ("provision", 201): (None, {"body": PROVISION}),
    ("provision", 400): (None, {"body": {**PROVISION, "login_name": "short"}}),
    ("provision", 401): (None, {"body": PROVISION, **NO_AUTH}),
    ("provision", 409): (_created, {"body": {**PROVISION, "contact_email": "o@fruit.example"}}),
    ("provision", 415): (None, {"body": "login_name=x", "content_type": "text/plain"}),
    ("getPlan", 200): (None, {}),
    ("getPlan", 400): (None, {"ids": "foreign"}),
    ("getPlan", 401): (None, NO_AUTH),
    ("getPlan", 404): (None, {"ids": "unknown"}),
    ("getPlan", 405): (None, {"method": "delete"}),
    ("setPlan", 200): (None, {"body": {"plan_type": "GOLD", "plan_group_id": 152}}),
    ("setPlan", 400): (None, {"body": {"plan_type": "TRIAL"}}),
    ("setPlan", 401): (None, {"body": {"plan_type": "GOLD"}, **NO_AUTH}),
    ("setPlan", 404): (None, {"body": {"plan_type": "GOLD"}, "ids": "unknown"}),
    ("setPlan", 405): (None, {"method": "post", "body": {"plan_type": "GOLD"}}),
    ("setPlan", 415): (None, {"body": "plan_type=GOLD", "content_type": "text/plain"}),
    ("cancelAccount", 200): (None, {"body": {"reason_id": 1}}),
    ("cancelAccount", 400): (None, {"body": {"reason_id": 1}, "ids": "foreign"}),
    ("cancelAccount", 401): (None, {"body": {}, **NO_AUTH}),
    ("cancelAccount", 404): (None, {"body": {}, "ids": "unknown"}),
    ("partnerAccountOperationsPostSync", 200): (None, {"body": SYNC}),
    ("partnerAccountOperationsPostSync", 400): (
        None,
        {"body": {**SYNC, "account_operation_url": "https://elsewhere.example/"}},
    ),
    ("partnerAccountOperationsPostSync", 401): (None, {"body": SYNC, **NO_AUTH}),
    ("partnerAccountOperationsPostSync", 403): (None, {"body": SYNC, "ids": "referred"}),
    ("partnerAccountOperationsPostSync", 404): (_product_404, {"body": SYNC}),
    ("partnerAccountOperationsPostSync", 500): (_product_unset, {"body": SYNC}),
    ("createSSOUser", 201): (None, {"body": SSO_USER}),
    ("createSSOUser", 400): (None, {"body": {**SSO_USER, "role_name": "owner"}}),
    ("createSSOUser", 401): (None, {"body": SSO_USER, **NO_AUTH}),
    ("createSSOUser", 403): (_reports_only, {"body": SSO_USER}),
    ("createSSOUser", 409): (None, {"body": {**SSO_USER, "login_name": "greengarden"}}),
    ("partnerUnsubscribeContacts", 200): (_product_unsubscribes, {"body": UNSUBSCRIBE}),
    ("partnerUnsubscribeContacts", 400): (None, {"body": {"email_addresses": ["a@b.example"]}}),
    ("partnerUnsubscribeContacts", 401): (None, {"body": UNSUBSCRIBE, **NO_AUTH}),
    ("partnerUnsubscribeContacts", 403): (None, {"body": UNSUBSCRIBE, "ids": "referred"}),
    ("partnerUnsubscribeContacts", 404): (None, {"body": UNSUBSCRIBE, "ids": "unknown"}),
    ("partnerUnsubscribeContacts", 406): (None, {"body": "a@b", "content_type": "text/plain"}),
    ("partnerUnsubscribeContacts", 500): (_product_unset, {"body": UNSUBSCRIBE}),
    ("getWebhooksCollection", 200): (_subscribed, {}),
    ("getWebhooksCollection", 401): (None, NO_AUTH),
    ("getWebhooksTopic", 200): (_subscribed, {}),
    ("getWebhooksTopic", 401): (None, NO_AUTH),
    ("getWebhooksTopic", 404): (None, {"topic": "9"}),
    ("putWebhooksTopic", 200): (None, {"body": HOOK}),
    ("putWebhooksTopic", 400): (None, {"body": {"hook_uri": "http://example.com/plain"}}),
    ("putWebhooksTopic", 401): (None, {"body": HOOK, **NO_AUTH}),
    ("putWebhooksTopic", 404): (None, {"body": HOOK, "topic": "0"}),
    ("deleteWebhooksSubscriptions", 204): (_subscribed, {}),
    ("deleteWebhooksSubscriptions", 401): (None, NO_AUTH),
    ("deleteWebhooksSubscriptions", 404): (None, {"topic": "x"}),
    ("testSendWebhooksTopic", 201): (_subscribed, {}),
    ("testSendWebhooksTopic", 400): (None, {}),  # not subscribed
    ("testSendWebhooksTopic", 401): (None, NO_AUTH),
    ("testSendWebhooksTopic", 404): (None, {"topic": "5"}),
}
# Statuses the contract lists that PartnerHub is never brought to by a request, and why.
NOT_PROVOKED = {
    400: "an operation that takes no input (a GET of the collection or of a topic, a DELETE) "
    "has nothing to refuse",
    403: "credentials that may no longer act answer 401; 403 is the customer's grant, where an "
    "operation acts inside a managed account",
    404: "the collection paths always exist",
    415: "a GET carries no body",
    500: "an internal failure (the acting operations' product errors are driven above)",
    503: "PartnerHub provisions at once; it never defers a create",
}


def _not_provoked(operation_id: str, status: int) -> bool:
    return (operation_id, status) not in SCENARIOS and status in NOT_PROVOKED


def _ids(cast, which: str | None) -> dict:
    return {
        None: {},
        "foreign": {"encoded_account_id": cast.foreign.encoded_account_id},
        "referred": {"encoded_account_id": cast.trial.encoded_account_id},
        "unknown": {"encoded_account_id": "nosuchaccount0"},
    }[which]


def test_every_listed_status_is_driven_or_said_why_not():
    for operation_id, (_method, _path, op) in OPERATIONS.items():
        for code in op["responses"]:
            status = int(code)
            assert (operation_id, status) in SCENARIOS or _not_provoked(operation_id, status), (
                operation_id,
                status,
            )
    assert {op for op, _status in SCENARIOS} == set(OPERATIONS)


@pytest.mark.parametrize(("operation_id", "status"), sorted(SCENARIOS))
def test_the_status_and_the_body_are_the_contracts(client, cast, product, operation_id, status):
    method, path, op = OPERATIONS[operation_id]
    assert str(status) in op["responses"], "a scenario for a status the contract does not list"
    setup, request = SCENARIOS[(operation_id, status)]
    call = Caller(client, cast, product)
    if setup:
        setup(call)
    ids = _ids(cast, request.get("ids"))
    if "topic" in request:
        ids["topic_id"] = request["topic"]
    response = call(
        request.get("method", method),
        path + request.get("path_suffix", ""),
        request.get("body"),
        headers=request.get("headers"),
        content_type=request.get("content_type"),
        **ids,
    )

    assert response.status_code == status, response.content
    schema = op["responses"][str(status)].get("schema")
    if status == 204:
        assert response.content == b""
    elif status >= 400:
        assert error_array_problems(response) == []
    elif schema is not None:
        assert shape_problems(response.json(), schema) == []


def test_the_shape_check_finds_what_departs_from_the_contract():
    plan = {"$ref": "#/definitions/PlanTiersObject"}
    assert shape_problems({"plan_type": 1, "current_tiers": [{"tier": "one"}]}, plan) == [
        "body.plan_type: 1 is not string",
        "body.current_tiers[0].tier: 'one' is not integer",
    ]
    unsubscribe = OPERATIONS["partnerUnsubscribeContacts"][2]["parameters"][1]["schema"]
    assert shape_problems({"update_source": "Nobody"}, unsubscribe) == [
        "body.update_source: 'Nobody' not in ['Account', 'Contact', 'System']"
    ]
    assert shape_problems({}, {"$ref": "#/definitions/PartnerAccount"}) == [
        "body.site_owner_list: missing"
    ]
