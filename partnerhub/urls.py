from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from partnerhub.api.urls import api
from partnerhub.api.urls import not_found as api_not_found
from partnerhub.portal.forms import ResetOrChoosePasswordForm

admin.site.site_header = "PartnerHub program staff"
admin.site.site_title = "PartnerHub staff"

urlpatterns = [
    # Pages without a favicon link (the admin's) make browsers ask for this one.
    path("favicon.ico", RedirectView.as_view(url=static("partnerhub/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),
    path("v3/", include("partnerhub.v3.urls")),
    path("signin/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("signout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=ResetOrChoosePasswordForm),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("help/", include("partnerhub.help.urls")),
    path("", include("partnerhub.portal.urls")),
]
