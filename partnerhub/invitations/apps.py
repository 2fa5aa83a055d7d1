from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "partnerhub.invitations"
    label = "invitations"
