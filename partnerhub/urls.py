from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from partnerhub.api.urls import api

admin.site.site_header = "PartnerHub program staff"
admin.site.site_title = "PartnerHub staff"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("v3/", include("partnerhub.v3.urls")),
    path("signin/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("", include("django.contrib.auth.urls")),
    path("", include("partnerhub.portal.urls")),
]
