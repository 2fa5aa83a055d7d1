from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from partnerhub.core.errors import ServiceError
from partnerhub.invitations.models import Invitation
from partnerhub.invitations.services import team_invitation_check, team_invitation_create
from partnerhub.partners.models import Partner, PartnerRole


class TeamInvitationForm(forms.ModelForm):
    """Staff invite a person to a partner's team (e.g. its first owner); the person joins
    once they accept, as with an invitation from the team itself."""

    partner = forms.ModelChoiceField(queryset=Partner.objects.all())
    email = forms.EmailField()
    role = forms.ChoiceField(choices=PartnerRole.choices, initial=PartnerRole.OWNER)

    class Meta:
        model = Invitation
        fields = ("partner", "email", "first_name", "last_name", "role")

    def clean(self):
        data = super().clean()
        if data.get("partner") and data.get("email"):
            try:
                team_invitation_check(partner=data["partner"], email=data["email"])
            except ServiceError as error:
                raise ValidationError(error.message[:1].upper() + error.message[1:] + ".") from None
        return data


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "kind", "partner", "role", "account", "status", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("email", "partner__name", "account__organization_name")
    list_select_related = ("partner", "account")
    date_hierarchy = "created_at"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TeamInvitationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [f.name for f in Invitation._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = team_invitation_create(
            actor=request.user,
            partner=form.cleaned_data["partner"],
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            role=form.cleaned_data["role"],
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})
        messages.info(request, "The person joins the team once they accept the invitation.")
