"""schemathesis over /api/v1/openapi.json: for every operation, valid and invalid requests
(generated, plus known-good ones against the cast's real rows) never get a server error, and
every answer has a documented status and a body that matches the schema.

Partner operations run with Olga's write key, staff operations with Sam's write key. The run is
bounded (``EXAMPLES`` generated requests per operation and mode) and derandomized: the same
requests every run.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from partnerhub.api.tests.cast import CLOSED_MONTH, Cast

pytestmark = pytest.mark.django_db

EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
LABELS = sorted(result.ok().label for result in SCHEMA.get_all_operations())


def _is_staff(label: str) -> bool:
    return label.split(" ", 1)[1].startswith("/api/v1/billing/")


def known_inputs(cast: Cast) -> dict[str, list[dict]]:
    """Per operation, requests that reach real rows: the answers the generator rarely gets to."""
    garden, bakery = cast.garden.encoded_account_id, cast.bakery.encoded_account_id
    endpoint = {"endpoint_id": cast.endpoint.pk}
    when = "2026-11-20T10:00:00Z"
    return {
        "GET /api/v1/accounts": [
            {"query": {}},
            {"query": {"q": "a", "type": "referred", "sort": "-moved", "size": 1}},
            {"query": {"status": "active", "sort": "last_login", "size": 100}},
        ],
        "GET /api/v1/accounts/{encoded_account_id}": [
            {"path_parameters": {"encoded_account_id": garden}},
            {"path_parameters": {"encoded_account_id": cast.atelier.encoded_account_id}},
        ],
        "POST /api/v1/accounts/{encoded_account_id}/requests": [
            {"path_parameters": {"encoded_account_id": bakery}, "body": {"message": "Hi"}},
            {"path_parameters": {"encoded_account_id": bakery}, "body": {"message": "Again"}},
            {"path_parameters": {"encoded_account_id": garden}, "body": {}},
        ],
        "POST /api/v1/requests/bulk": [
            {
                "body": {
                    "accounts": [bakery, garden, "0000000000000000"],
                    "message": "Hi",
                    "level": "marketing",
                    "duration_days": 90,
                }
            },
            {"body": {"accounts": [bakery], "duration_days": None}},
        ],
        "POST /api/v1/requests/{request_id}/cancel": [
            {"path_parameters": {"request_id": cast.pending.pk}},
            {"path_parameters": {"request_id": cast.pending.pk}},
        ],
        # An agency's key: each is refused with 403 not_an_organization (an organization's
        # key is walked in test_organizations).
        "GET /api/v1/organization": [{}],
        "GET /api/v1/groups": [{}],
        "POST /api/v1/groups": [{"body": {"name": "North"}}],
        "PATCH /api/v1/groups/{group_id}": [
            {"path_parameters": {"group_id": 1}, "body": {"name": "South"}}
        ],
        "DELETE /api/v1/groups/{group_id}": [{"path_parameters": {"group_id": 1}}],
        "POST /api/v1/accounts": [
            {
                "body": {
                    "location_name": "Crumb Porto",
                    "owner_name": "Maya Loaf",
                    "owner_email": "maya@crumb.example",
                    "login_name": "crumbporto",
                }
            }
        ],
        "POST /api/v1/accounts/{encoded_account_id}/group": [
            {"path_parameters": {"encoded_account_id": garden}, "body": {"group_id": None}}
        ],
        "POST /api/v1/accounts/{encoded_account_id}/detach": [
            {"path_parameters": {"encoded_account_id": garden}}
        ],
        "GET /api/v1/requests/{request_id}": [{"path_parameters": {"request_id": cast.pending.pk}}],
        "GET /api/v1/requests": [{"query": {}}, {"query": {"status": "pending", "size": 1}}],
        "GET /api/v1/accounts/{encoded_account_id}/brand": [
            {"path_parameters": {"encoded_account_id": garden}}
        ],
        "GET /api/v1/brand": [{}],
        "PUT /api/v1/brand": [
            {"body": {"primary_color": "#123456", "locked": ["primary_color"]}},
            {"body": {"logo_base64": "aGVsbG8=", "social_links": {"x": "https://x.com/a"}}},
        ],
        "GET /api/v1/groups/{group_id}/brand": [{"path_parameters": {"group_id": cast.group.pk}}],
        "PUT /api/v1/groups/{group_id}/brand": [
            {"path_parameters": {"group_id": cast.group.pk}, "body": {"body_font": "georgia"}}
        ],
        "GET /api/v1/accounts/{encoded_account_id}/assignments": [
            {"path_parameters": {"encoded_account_id": garden}}
        ],
        "PUT /api/v1/accounts/{encoded_account_id}/assignments/{member_id}": [
            {"path_parameters": {"encoded_account_id": garden, "member_id": cast.member.pk}}
        ]
        * 2,
        "DELETE /api/v1/accounts/{encoded_account_id}/assignments/{member_id}": [
            {"path_parameters": {"encoded_account_id": garden, "member_id": cast.member.pk}}
        ]
        * 2,
        "POST /api/v1/moves": [
            {"body": {"identifier": "willowworks", "kind": "managed", "level": "reports"}},
            {"body": {"identifier": "nobody@nowhere.test", "kind": "referred"}},
        ],
        "POST /api/v1/moves/cancel": [{"body": {"identifier": "willowworks"}}],
        "GET /api/v1/moves": [{"query": {}}, {"query": {"size": 1}}],
        "GET /api/v1/moves/{move_id}": [{"path_parameters": {"move_id": 1}}],
        "GET /api/v1/invite-link": [{}],
        "POST /api/v1/invite-link/rotate": [{}],
        "GET /api/v1/earnings/months": [{}],
        "GET /api/v1/earnings/statements": [{"query": {"month": CLOSED_MONTH}}],
        "GET /api/v1/earnings/lines": [{"query": {"month": CLOSED_MONTH}}],
        "GET /api/v1/onboarding/checklist": [{}],
        "GET /api/v1/accounts/{encoded_account_id}/onboarding": [
            {"path_parameters": {"encoded_account_id": bakery}}
        ],
        "POST /api/v1/accounts/{encoded_account_id}/onboarding/{step_key}": [
            {"path_parameters": {"encoded_account_id": bakery, "step_key": cast.step_key}}
        ]
        * 2,
        "GET /api/v1/reports/rollup": [{"query": {}}, {"query": {"months": 3}}],
        "GET /api/v1/pricing/quote": [{"query": {}}, {"query": {"add": 3}}],
        "GET /api/v1/statements": [{}],
        "GET /api/v1/statements/{month}": [{"path_parameters": {"month": CLOSED_MONTH}}],
        "GET /api/v1/statements/{month}.csv": [{"path_parameters": {"month": CLOSED_MONTH}}],
        "GET /api/v1/webhooks/event-types": [{}],
        "GET /api/v1/webhooks/endpoints": [{}],
        "POST /api/v1/webhooks/endpoints": [
            {"body": {"url": "http://127.0.0.1:9/a", "event_types": ["plan.changed"]}}
        ],
        "GET /api/v1/webhooks/endpoints/{endpoint_id}": [{"path_parameters": endpoint}],
        "PATCH /api/v1/webhooks/endpoints/{endpoint_id}": [
            {"path_parameters": endpoint, "body": {"description": "Renamed", "enabled": False}},
            {"path_parameters": endpoint, "body": {"enabled": True}},
        ],
        "DELETE /api/v1/webhooks/endpoints/{endpoint_id}": [
            {"path_parameters": endpoint},
            {"path_parameters": endpoint},
        ],
        "POST /api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret": [
            {"path_parameters": endpoint}
        ],
        "POST /api/v1/webhooks/endpoints/{endpoint_id}/test": [{"path_parameters": endpoint}],
        "GET /api/v1/webhooks/endpoints/{endpoint_id}/deliveries": [{"path_parameters": endpoint}],
        "POST /api/v1/webhooks/deliveries/{delivery_id}/replay": [
            {"path_parameters": {"delivery_id": cast.delivery.pk}}
        ],
        "POST /api/v1/billing/plan-changes": [
            {
                "body": {
                    "external_id": "EV-1",
                    "encoded_account_id": garden,
                    "plan_type": "GOLD",
                    "occurred_at": when,
                }
            }
        ]
        * 2,
        "POST /api/v1/billing/cancellations": [
            {"body": {"external_id": "EV-2", "encoded_account_id": garden, "occurred_at": when}}
        ]
        * 2,
        "POST /api/v1/billing/disablements": [
            {
                "body": {
                    "external_id": "EV-3",
                    "encoded_account_id": garden,
                    "occurred_at": when,
                    "reason": "compliance",
                }
            }
        ]
        * 2,
        "POST /api/v1/billing/invoices": [
            {
                "body": {
                    "external_id": "INV-2",
                    "encoded_account_id": garden,
                    "paid_on": "2026-11-20",
                    "amount": "12.50",
                    "currency": "USD",
                }
            }
        ]
        * 2,
        "POST /api/v1/billing/refunds": [
            {
                "body": {
                    "external_id": "RF-1",
                    "invoice_external_id": "INV-1",
                    "refunded_on": "2026-05-01",
                    "amount": "1.00",
                }
            }
        ]
        * 2,
    }


@pytest.fixture
def _connection_kept_open():
    """The WSGI handler closes the database connection when a request starts and finishes,
    which would end the test's transaction; Django's own test client disconnects it too."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def test_every_operation_has_known_inputs(cast: Cast):
    assert sorted(known_inputs(cast)) == LABELS


@pytest.mark.parametrize("label", LABELS)
def test_the_operation_keeps_to_its_schema(label: str, cast: Cast, settings, _connection_kept_open):
    # No rate limit in the way of the generated requests.
    settings.PARTNERHUB_API_RATE = "100000/min"
    operation = SCHEMA.find_operation_by_label(label)
    headers = {"Authorization": f"Bearer {cast.staff_key if _is_staff(label) else cast.owner_key}"}
    known = known_inputs(cast)[label]

    # The known-good requests, in order
    for inputs in known:
        case = operation.Case(**{k: v for k, v in inputs.items()})
        case.call_and_validate(headers=headers, checks=CHECKS)

    # Generated requests, valid and invalid, some of them against the real rows
    real_paths = [k["path_parameters"] for k in known if "path_parameters" in k]
    strategies = [
        operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for path_parameters in [None, *real_paths[:1]]
    ]

    @hypothesis_settings(
        max_examples=EXAMPLES * 2,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def keeps_to_schema(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    keeps_to_schema()
