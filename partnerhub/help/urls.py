from django.urls import path

from partnerhub.help import views

urlpatterns = [
    path("", views.home, name="help-home"),
    path("<slug:slug>/", views.article, name="help-article"),
    path("<slug:slug>/feedback/", views.feedback, name="help-feedback"),
    path("<slug:slug>/feedback/comment/", views.feedback_comment, name="help-feedback-comment"),
]
