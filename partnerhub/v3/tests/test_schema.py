"""schemathesis over /v3/openapi.json: for every operation, generated requests, valid and
invalid (negative data: wrong types, out-of-range numbers, strings the schema does not allow),
never get a server error, and every refusal is the public API's error array.

The run is bounded (``EXAMPLES`` generated requests per operation) and derandomized: the same
requests every run, a few seconds in all.
"""

import json

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

from partnerhub.v3.tests.conftest import Cast

pytestmark = pytest.mark.django_db

EXAMPLES = 15
SCHEMA = schemathesis.openapi.from_wsgi("/v3/openapi.json", get_wsgi_application())
LABELS = sorted(result.ok().label for result in SCHEMA.get_all_operations())


def refusals_are_the_error_array(ctx, response, case):
    if response.status_code < 400:
        return None
    body = json.loads(response.content)
    assert isinstance(body, list) and body, body
    for item in body:
        assert set(item) == {"error_key", "error_message"}, body
    return None


CHECKS = [not_a_server_error, refusals_are_the_error_array]


@pytest.fixture
def _connection_kept_open():
    """The WSGI handler closes the database connection when a request starts and finishes,
    which would end the test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("label", LABELS)
def test_no_generated_request_gets_a_server_error(label: str, cast: Cast, _connection_kept_open):
    operation = SCHEMA.find_operation_by_label(label)
    real_paths = [None]
    if "{encoded_account_id}" in label:
        real_paths.append({"encoded_account_id": cast.trial.encoded_account_id})
    if "{topic_id}" in label:
        real_paths.append({"topic_id": "1"})
    strategies = [
        operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for path_parameters in real_paths
    ]

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def never_a_server_error(case):
        case.call_and_validate(headers=cast.owner.headers, checks=CHECKS)

    never_a_server_error()
