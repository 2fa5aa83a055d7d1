"""Your settings: the time zone a person reads times in. For everyone who signs in."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from partnerhub.core.errors import ServiceError
from partnerhub.core.timefmt import all_time_zones, format_datetime
from partnerhub.partners.selectors import membership_of
from partnerhub.people.selectors import time_zones_of
from partnerhub.people.services import profile_update
from partnerhub.portal.views.common import sentence


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(label="Time zone", required=False)

    def __init__(self, *args, default_zone: str, from_partner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        source = "your partner's" if from_partner else "the default"
        self.fields["time_zone"].choices = [("", f"{default_zone} ({source})")] + [
            (zone, zone) for zone in all_time_zones()
        ]
        self.fields["time_zone"].help_text = (
            "Dates and times on every page and in e-mails to you are shown in this zone."
        )


@login_required
def profile(request):
    own, default = time_zones_of(request.user)
    membership = membership_of(request.user)
    form = ProfileForm(
        request.POST or None,
        initial={"time_zone": own},
        default_zone=default,
        from_partner=membership is not None,
    )
    if request.method == "POST" and form.is_valid():
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
            "zone": own or default,
            "now_text": format_datetime(timezone.now()),
            "base_template": "portal/base.html" if membership else "base.html",
            "nav_section": "profile",
        },
    )
