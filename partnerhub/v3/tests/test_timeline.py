"""What a partner does through V3 is on the customer's timeline, under the credentials' name."""

from partnerhub.access.selectors import access_timeline


def _entries(account) -> list[tuple]:
    return [
        (e.action, e.actor_label, e.before, {k: e.after[k] for k in e.after if k != "effective_at"})
        for e in access_timeline(account_id=account.pk)
        if e.action.endswith("_by_partner")
    ]


def test_a_plan_change_is_on_the_timeline_with_the_credentials_name(client, cast):
    name = cast.owner.member.user.get_full_name()

    response = client.put(
        f"/v3/partner/accounts/{cast.trial.encoded_account_id}/plan",
        data={"plan_type": "GOLD"},
        content_type="application/json",
        headers=cast.owner.headers,
    )

    assert response.status_code == 200, response.content
    assert _entries(cast.trial) == [
        (
            "account.plan_changed_by_partner",
            f"{name} through the V3 credentials “Integration”",
            {"plan_type": "TRIAL"},
            {"plan_type": "GOLD"},
        )
    ]


def test_asking_for_the_current_plan_writes_nothing(client, cast):
    response = client.put(
        f"/v3/partner/accounts/{cast.paying.encoded_account_id}/plan",
        data={"plan_type": cast.paying.plan_type},
        content_type="application/json",
        headers=cast.owner.headers,
    )

    assert response.status_code == 200
    assert _entries(cast.paying) == []


def test_a_cancellation_is_on_the_timeline_with_its_reason(client, cast):
    name = cast.owner.member.user.get_full_name()

    response = client.put(
        f"/v3/partner/accounts/{cast.paying.encoded_account_id}/status/cancel",
        data={"reason_id": 2},
        content_type="application/json",
        headers=cast.owner.headers,
    )

    assert response.status_code == 200, response.content
    assert _entries(cast.paying) == [
        (
            "account.cancelled_by_partner",
            f"{name} through the V3 credentials “Integration”",
            {},
            {"reason": "reason_id 2: Using a competitive service"},
        )
    ]


def test_a_refused_plan_change_writes_nothing(client, cast):
    response = client.put(
        f"/v3/partner/accounts/{cast.foreign.encoded_account_id}/plan",
        data={"plan_type": "GOLD"},
        content_type="application/json",
        headers=cast.owner.headers,
    )

    assert response.status_code == 400
    assert _entries(cast.foreign) == []
