"""Family Support Meetings, the lead professional and support plans."""

from django.urls import path

from meetings import error_views, oversight, record_views, views

app_name = "meetings"
urlpatterns = [
    path("children/<int:child_pk>/arrange/", views.arrange, name="arrange"),
    path("concerns/<int:concern_pk>/arrange/", views.arrange_from_concern, name="arrange-concern"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/record/", views.record_meeting, name="record"),
    path("<int:pk>/lead/", views.lead, name="lead"),
    path("<int:pk>/plan/new/", views.plan_create, name="plan-create"),
    path("<int:pk>/record-of-decisions/", views.print_record, name="print"),
    path("<int:pk>/calendar/", views.calendar, name="calendar"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/outcomes/new/", views.outcome_add, name="outcome-add"),
    path("plans/<int:pk>/actions/new/", views.action_add, name="action-add"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan-close"),
    path("actions/<int:pk>/", views.action, name="action"),
]

urlpatterns += [
    path("<int:pk>/send/", record_views.send_record, name="send"),
    path("<int:pk>/correct/", record_views.correct_record, name="correct"),
    path("<int:pk>/family-copy/", record_views.family_copy, name="family-copy"),
    path("<int:pk>/copies/", record_views.copies, name="copies"),
    path("<int:pk>/invitation/<int:invitee_pk>/", record_views.invitation, name="invitation"),
    path("records/<int:pk>/", record_views.sent_record, name="sent-record"),
    path("oversight/", oversight.oversight, name="oversight"),
    path("<int:pk>/entered-in-error/", error_views.meeting_in_error, name="meeting-error"),
    path("plans/<int:pk>/entered-in-error/", error_views.plan_in_error, name="plan-error"),
    path("actions/<int:pk>/entered-in-error/", error_views.action_in_error, name="action-error"),
    path("records/<int:pk>/pdf/", record_views.sent_record_pdf, name="sent-record-pdf"),
]
