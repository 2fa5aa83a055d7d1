"""Your settings: the time zone a person reads times in. For everyone who signs in."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.core.errors import NotFound, ServiceError
from partnerhub.core.timefmt import all_time_zones, format_datetime
from partnerhub.partners.selectors import membership_of
from partnerhub.partners.services import partner_time_zone_set
from partnerhub.people.selectors import time_zones_of
from partnerhub.people.services import current_team_set, profile_update
from partnerhub.portal.views.common import sentence


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(label="Time zone", required=False)

    def __init__(self, *args, default_zone: str, from_partner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        source = "your partner's" if from_partner else "the default"
        self.fields["time_zone"].choices = [("", f"{default_zone} ({source})")] + [
            (zone, zone) for zone in all_time_zones()
        ]
        self.fields[
            "time_zone"
        ].help_text = "Dates and times on every page and in e-mails to you are shown in this zone."


class PartnerZoneForm(forms.Form):
    partner_time_zone = forms.ChoiceField(label="Team time zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_time_zone"].choices = [(z, z) for z in all_time_zones()]
        self.fields[
            "partner_time_zone"
        ].help_text = "Members who have not chosen their own zone read times in this one."


@login_required
def profile(request):
    own, default = time_zones_of(request.user)
    membership = membership_of(request.user)
    is_team_form = request.method == "POST" and "partner_time_zone" in request.POST
    form = ProfileForm(
        request.POST if request.method == "POST" and not is_team_form else None,
        initial={"time_zone": own},
        default_zone=default,
        from_partner=membership is not None,
    )
    team_form = None
    if membership is not None and membership.can_manage_team:
        team_form = PartnerZoneForm(
            request.POST if is_team_form else None,
            initial={"partner_time_zone": membership.partner.time_zone},
        )
    if is_team_form and team_form is None:
        return redirect("profile")
    if is_team_form and team_form.is_valid():
        try:
            partner_time_zone_set(
                actor=request.user, time_zone=team_form.cleaned_data["partner_time_zone"]
            )
        except ServiceError as error:
            team_form.add_error("partner_time_zone", sentence(error.message))
        else:
            messages.success(request, f"{membership.partner.name}'s time zone is saved.")
            return redirect("profile")
    elif request.method == "POST" and not is_team_form and form.is_valid():
        try:
            profile_update(actor=request.user, time_zone=form.cleaned_data["time_zone"])
        except ServiceError as error:
            form.add_error("time_zone", sentence(error.message))
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("profile")
    return render(
        request,
        "people/profile.html",
        {
            "form": form,
            "team_form": team_form,
            "membership": membership,
            "zone": own or default,
            "now_text": format_datetime(timezone.now()),
            "base_template": "portal/base.html" if membership else "base.html",
            "nav_section": "profile",
        },
    )


@login_required
@require_POST
def team_switch(request):
    """The header's switcher: the person works in another of their own teams from now on.
    The portal opens on that team's accounts (the page they were on may be the other team's)."""
    try:
        member = current_team_set(actor=request.user, member_id=request.POST.get("member"))
    except NotFound:
        raise Http404("no such team") from None
    messages.success(request, f"You are now working in {member.partner.name}.")
    return redirect("partner-accounts")
