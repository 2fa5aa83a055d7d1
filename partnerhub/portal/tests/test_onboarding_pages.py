"""My Organization › Onboarding and the owner's checklist under My account."""

import pytest

from partnerhub.audit.models import AuditEvent
from partnerhub.core.models import OutgoingEmail
from partnerhub.onboarding.models import OnboardingNudge, OnboardingStep
from partnerhub.onboarding.tests.story import build
from partnerhub.tests.factories import MemberFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    return build()


def test_the_owner_sees_progress_per_account_and_per_group(client, story):
    client.force_login(story.owner.user)
    page = client.get("/portal/onboarding/")
    assert page.status_code == 200
    text = page.content.decode()
    # least progress first: shop 4 (1 of 3), shop 2 (1), shop 3 (2), shop 1 (3)
    names = [a.organization_name for a in page.context["page"].object_list]
    assert names == ["Loaf Shop 2", "Loaf Shop 4", "Loaf Shop 3", "Loaf Shop 1"]
    groups = [(g.label, g.accounts, g.complete, g.percent) for g in page.context["by_group"]]
    assert groups == [("North", 2, 1, 66), ("South", 2, 0, 50)]
    assert "Remind the selected owners" in text and "Add a step" in text
    north = client.get(f"/portal/onboarding/?group={story.north.pk}")
    assert [a.organization_name for a in north.context["page"].object_list] == [
        "Loaf Shop 2",
        "Loaf Shop 1",
    ]
    assert client.get("/portal/onboarding/?group=abc").status_code == 404


def test_a_group_manager_sees_only_their_groups_accounts(client, story):
    client.force_login(story.manager.user)
    page = client.get("/portal/onboarding/")
    names = {a.organization_name for a in page.context["page"].object_list}
    assert names == {"Loaf Shop 1", "Loaf Shop 2"}
    assert page.context["total"].accounts == 2
    assert "Remind the selected owners" not in page.content.decode()


def test_a_viewer_reads_and_changes_nothing(client, story):
    client.force_login(story.viewer.user)
    page = client.get("/portal/onboarding/")
    assert page.status_code == 200
    assert "Add a step" not in page.content.decode()
    step = story.steps[1]
    client.post("/portal/onboarding/steps/", {"title": "Sneaky"})
    client.post(f"/portal/onboarding/steps/{step.pk}/", {"action": "remove"})
    client.post("/portal/onboarding/remind/", {"account": [story.shops[3].pk]})
    assert OnboardingStep.objects.filter(partner=story.org, removed_at=None).count() == 3
    assert not OnboardingNudge.objects.exists()


def test_an_admin_adds_reorders_and_removes_steps(client, story):
    client.force_login(story.owner.user)
    bad = client.post(
        "/portal/onboarding/steps/", {"title": "Read", "link": "javascript:alert(1)"}, follow=True
    )
    assert "A link is an https:// address" in bad.content.decode()
    client.post("/portal/onboarding/steps/", {"title": "Read the guide", "link": "/help/"})
    new = OnboardingStep.objects.get(title="Read the guide")
    client.post(f"/portal/onboarding/steps/{new.pk}/", {"action": "up"})
    titles = [s.title for s in OnboardingStep.objects.filter(partner=story.org, removed_at=None)]
    assert titles == [
        "Choose a plan",
        "Import your contacts",
        "Read the guide",
        "Send a first campaign",
    ]
    client.post(f"/portal/onboarding/steps/{new.pk}/", {"action": "remove"})
    assert OnboardingStep.objects.get(pk=new.pk).removed_at is not None


def test_another_organizations_step_is_not_found(client, story):
    outsider = MemberFactory(partner=PartnerFactory(), role="owner")
    client.force_login(outsider.user)
    answer = client.post(f"/portal/onboarding/steps/{story.steps[1].pk}/", {"action": "remove"})
    assert answer.status_code == 404
    assert OnboardingStep.objects.get(pk=story.steps[1].pk).removed_at is None
    client.post("/portal/onboarding/remind/", {"account": [story.shops[3].pk]})
    assert not OnboardingNudge.objects.exists()


def test_a_reminder_is_sent_once_a_day_and_the_refusal_says_when(client, story):
    client.force_login(story.owner.user)
    shop = story.shops[3]
    sent = client.post("/portal/onboarding/remind/", {"account": [shop.pk]}, follow=True)
    assert "A reminder was sent to the owner of Loaf Shop 4." in sent.content.decode()
    again = client.post("/portal/onboarding/remind/", {"account": [shop.pk]}, follow=True)
    assert "No reminder to Loaf Shop 4: it was reminded less than 24 hours ago." in (
        again.content.decode()
    )
    assert "The next one is possible from" in again.content.decode()
    assert OutgoingEmail.objects.count() == 1
    assert AuditEvent.objects.filter(action="onboarding.nudge_sent").count() == 1


def test_the_owner_of_an_account_sees_their_checklist_read_only(client, story):
    shop = story.shops[0]
    client.force_login(shop.owner)
    page = client.get(f"/account/{shop.encoded_account_id}/onboarding/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your checklist from Loaf Ltd" in text and "3 of 3 steps done" in text
    assert "<form" not in text.split('id="main"')[1].split("</main>")[0]
    other = story.shops[1]
    assert client.get(f"/account/{other.encoded_account_id}/onboarding/").status_code == 404
