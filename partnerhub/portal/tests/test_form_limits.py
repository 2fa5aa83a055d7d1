"""Forms of the portal: every limited field carries its limit for the character counter;
whitespace-only and NUL-containing input is refused with the same rule and words as the API;
a refused save says what is wrong next to the field and keeps what was typed."""

import json
import re

import pytest

from partnerhub.access.models import ManageRequest
from partnerhub.api.models import ApiKey
from partnerhub.partners.models import PartnerRole
from partnerhub.partners.selectors import membership_of
from partnerhub.tests.factories import MemberFactory, credited_account
from partnerhub.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return MemberFactory(role=PartnerRole.OWNER, partner__name="Brightwave Agency").user


def _field_error(html: str) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>([^<]*)</p>', html)


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("/portal/api-keys/", "name", 100),
        ("/portal/api-keys/", "v3_name", 100),
        ("/portal/webhooks/", "url", 512),
        ("/portal/webhooks/", "description", 200),
        ("/portal/team/", "email", 254),
        ("/portal/team/", "first_name", 150),
        ("/portal/team/", "last_name", 150),
    ],
)
def test_every_limited_field_carries_its_limit(client, owner, path, field, limit):
    client.force_login(owner)

    html = client.get(path).content.decode()

    tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', html).group(0)
    assert f'data-maxlength="{limit}"' in tag
    assert f'maxlength="{limit}"' in tag


def test_the_request_message_carries_its_limit(client, owner):
    account = credited_account(membership_of(owner).partner)
    client.force_login(owner)

    html = client.get(f"/portal/accounts/{account.encoded_account_id}/request/").content.decode()

    tag = re.search(r'<textarea[^>]*name="message"[^>]*>', html).group(0)
    assert 'data-maxlength="1000"' in tag


def test_a_description_over_its_limit_is_refused_next_to_the_field_and_kept(client, owner):
    client.force_login(owner)
    description = "Nightly CRM sync " + "x" * 190

    response = client.post(
        "/portal/webhooks/", {"url": "https://hooks.example.test/in", "description": description}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert _field_error(html) == ["Description is longer than 200 characters."]
    assert f'value="{description}"' in html
    assert 'value="https://hooks.example.test/in"' in html
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("description", "page_says", "api_says"),
    [
        (
            "CRM\x00sync",
            "Description contains a NUL character, which cannot be stored.",
            "contains a NUL character, which cannot be stored",
        ),
        (
            "CRM\r\nsync",
            "Description must be one line, without line breaks, tabs or control characters.",
            "must be one line, without line breaks, tabs or control characters",
        ),
    ],
)
def test_the_page_refuses_what_the_api_refuses_in_the_same_words(
    client, owner, description, page_says, api_says
):
    from partnerhub.api.keys import api_key_create

    _, key = api_key_create(actor=owner, name="CRM", can_write=True)
    client.force_login(owner)

    page = client.post(
        "/portal/webhooks/", {"url": "https://hooks.example.test/in", "description": description}
    )
    api = client.post(
        "/api/v1/webhooks/endpoints",
        data=json.dumps({"url": "https://hooks.example.test/in", "description": description}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )

    assert _field_error(page.content.decode()) == [page_says]
    assert api.status_code == 422
    assert [e["msg"] for e in api.json()["error"]["details"]["errors"]] == [api_says]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("name", ["   ", "\t \t"])
def test_a_key_name_of_whitespace_only_is_refused(client, owner, name):
    client.force_login(owner)

    response = client.post(
        "/portal/api-keys/", {"name": name, "scope": "read", "expires_in_days": "90"}
    )

    assert _field_error(response.content.decode()) == ["Name is required."]
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("x" * 1001, "The message is longer than 1000 characters."),
        ("Hello\x00there", "The message contains a NUL character, which cannot be stored."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "overlay"])
def test_a_refused_request_message_is_explained_under_the_field_and_kept(
    client, owner, message, says, htmx
):
    account = credited_account(membership_of(owner).partner)
    client.force_login(owner)

    response = client.post(
        f"/portal/accounts/{account.encoded_account_id}/request/",
        {"message": message},
        headers={"HX-Request": "true"} if htmx else {},
    )

    html = response.content.decode()
    assert _field_error(html) == [says]
    assert 'aria-describedby="request-message-error"' in html
    assert "notice-error" not in html
    assert message.replace("\x00", "") in html.replace("\x00", "").replace("&#x27;", "'")
    assert not ManageRequest.objects.exists()
