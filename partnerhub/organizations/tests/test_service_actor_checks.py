"""The organization's services refuse, on their own, whoever may not act: a viewer changes
nothing, a group manager does not do what only owners and admins do, and a member of another
organization is told there is no such organization. Pages and the API check first; these
checks hold when a new caller forgets."""

import pytest

from partnerhub.core.errors import NotFound, PermissionDenied
from partnerhub.onboarding import services as onboarding
from partnerhub.onboarding.tests.story import build
from partnerhub.organizations import detach, services
from partnerhub.organizations.models import AccountGroup
from partnerhub.organizations.services import organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory


@pytest.fixture
def story(db):
    return build()


def _calls(story):
    org, shop, north = story.org, story.shops[0], story.north
    return {
        "create a group": lambda actor: services.group_create(
            partner=org, name="East", actor=actor
        ),
        "rename a group": lambda actor: services.group_rename(
            partner=org, group_id=north.pk, name="Far North", actor=actor
        ),
        "delete a group": lambda actor: services.group_delete(
            partner=org, group_id=story.south.pk, move_accounts=True, actor=actor
        ),
        "tag accounts": lambda actor: services.account_tags_add(
            partner=org, account_ids=[shop.pk], names=["new"], actor=actor
        ),
        "move to a group": lambda actor: services.account_group_set(
            partner=org, account=shop, group=story.south, actor=actor
        ),
        "add a step": lambda actor: onboarding.step_create(
            partner=org, title="Say hello", key="hello", actor=actor
        ),
        "remind owners": lambda actor: onboarding.nudges_send(
            partner=org, account_ids=[shop.pk], actor=actor
        ),
        "ask to detach": lambda actor: detach.detach_request_create(
            partner=org, account_id=shop.pk, actor=actor
        ),
    }


ADMIN_ONLY = {"add a step", "remind owners", "ask to detach"}


@pytest.mark.parametrize(
    "what",
    [
        "create a group",
        "rename a group",
        "delete a group",
        "tag accounts",
        "move to a group",
        "add a step",
        "remind owners",
        "ask to detach",
    ],
)
def test_a_viewer_a_group_manager_and_an_outsider_are_refused(story, what):
    groups_before = list(AccountGroup.objects.order_by("pk").values_list("pk", "name", "parent"))
    call = _calls(story)[what]

    with pytest.raises(PermissionDenied):
        call(story.viewer.user)
    if what in ADMIN_ONLY:
        with pytest.raises(PermissionDenied):
            call(story.manager.user)
    other = organization_create(name="Other Bakes")
    outsider = MemberFactory(partner=other, role=PartnerRole.OWNER)
    with pytest.raises(NotFound):
        call(outsider.user)

    assert (
        list(AccountGroup.objects.order_by("pk").values_list("pk", "name", "parent"))
        == groups_before
    )
