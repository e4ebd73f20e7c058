from django.urls import include, path

from lisa import agency_views, health, second_factor, user_views, views

user_patterns = (
    [
        path("", user_views.user_list, name="list"),
        path("new/", user_views.user_create, name="create"),
        path("<int:pk>/", user_views.user_detail, name="detail"),
        path("<int:pk>/edit/", user_views.user_edit, name="edit"),
        path("<int:pk>/training/", user_views.user_training, name="training"),
        path("<int:pk>/deactivate/", user_views.user_deactivate, name="deactivate"),
        path("<int:pk>/reactivate/", user_views.user_reactivate, name="reactivate"),
        path("<int:pk>/send-password-link/", user_views.user_send_password_link, name="send-link"),
        path(
            "<int:pk>/reset-two-step/",
            user_views.user_reset_second_factor,
            name="reset-second-factor",
        ),
    ],
    "users",
)
agency_patterns = (
    [
        path("", agency_views.agency_list, name="list"),
        path("new/", agency_views.agency_edit, name="create"),
        path("<int:pk>/edit/", agency_views.agency_edit, name="edit"),
    ],
    "agencies",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("sign-in/code/", second_factor.verify, name="second-factor"),
    path("account/two-step-verification/", second_factor.setup, name="second-factor-setup"),
    path("account/", views.account, name="account"),
    path("account/change-password/", views.change_password, name="change-password"),
    path("forgotten-password/", views.forgotten_password, name="forgotten-password"),
    path("forgotten-password/sent/", views.forgotten_password_sent, name="forgotten-password-sent"),
    path("set-password/<uidb64>/<token>/", views.set_password, name="set-password"),
    path("set-password/done/", views.set_password_done, name="set-password-done"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("health/", health.database, name="health"),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("users/", include(user_patterns)),
    path("agencies/", include(agency_patterns)),
    path("audit/", include("audit.urls")),
    path("children/", include("children.urls")),
    path("directory/", include("directory.urls")),
    path("concerns/", include("concerns.urls")),
    path("consent/", include("consent.urls")),
    path("meetings/", include("meetings.urls")),
    path("figures/", include("figures.urls")),
    path("messages/", include("messaging.urls")),
    path("subject-access/", include("subject_access.urls")),
    path("api/directory/", include("directory.api_urls")),
]

handler400 = "lisa.views.bad_request"
handler403 = "lisa.views.forbidden"
handler404 = "lisa.views.not_found"
handler500 = "lisa.views.server_error"
