"""Secure messaging: inbox, new conversation, a conversation, entered in error."""

from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new_thread, name="new"),
    path("<int:pk>/", views.thread, name="thread"),
    path(
        "<int:pk>/messages/<int:message_pk>/entered-in-error/",
        views.message_error,
        name="message-error",
    ),
]
