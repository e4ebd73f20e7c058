"""Consent to share: agreements, withdrawals, scans, printable forms and decisions to share."""

from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("child/<int:pk>/", views.child_consent, name="child"),
    path(
        "child/<int:pk>/agreements/new/<str:kind>/",
        views.record_agreement,
        name="record-agreement",
    ),
    path("child/<int:pk>/agreements/<int:item_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("child/<int:pk>/agreements/<int:item_pk>/copies/", views.copies, name="copies"),
    path(
        "child/<int:pk>/agreements/<int:item_pk>/entered-in-error/",
        views.agreement_error,
        name="agreement-error",
    ),
    path(
        "child/<int:pk>/agreements/<int:item_pk>/print/",
        views.print_agreement,
        name="print-agreement",
    ),
    path("child/<int:pk>/agreements/<int:item_pk>/scan/", views.scan_upload, name="scan"),
    path(
        "child/<int:pk>/agreements/<int:item_pk>/scan/download/",
        views.scan_download,
        name="scan-download",
    ),
    path("child/<int:pk>/print/<str:kind>/", views.print_form, name="print-form"),
    path("blank/<str:kind>/", views.print_blank, name="print-blank"),
    path("child/<int:pk>/sharing/new/", views.record_sharing_decision, name="record-sharing"),
    path(
        "child/<int:pk>/requests/new/",
        views.record_information_request,
        name="record-request",
    ),
    path(
        "child/<int:pk>/sharing/<int:item_pk>/entered-in-error/",
        views.sharing_decision_error,
        name="sharing-error",
    ),
]
