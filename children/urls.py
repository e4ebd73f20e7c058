"""The child index: search, add, index card, full record, changes, involvement, break glass."""

from django.urls import path

from children import import_views, retention_views, school_views, views

app_name = "children"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.add, name="add"),
    path("archived/", retention_views.archived, name="archived"),
    path("ref/<str:ref>/", views.by_reference, name="by-ref"),
    path("<int:pk>/", views.card, name="card"),
    path("<int:pk>/record/", views.full_record, name="record"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/break-glass/", views.break_glass, name="break-glass"),
    path("<int:pk>/involvement/claim/", views.claim, name="claim"),
    path("<int:pk>/involvement/add/", views.add_involvement, name="add-involvement"),
    path("<int:pk>/involvement/<int:item_pk>/end/", views.end_involvement, name="end-involvement"),
    path(
        "<int:pk>/involvement/<int:item_pk>/entered-in-error/",
        views.involvement_error,
        name="involvement-error",
    ),
    path("<int:pk>/parents/new/", views.parent_add, name="add-parent"),
    path("<int:pk>/parents/<int:item_pk>/edit/", views.parent_edit, name="edit-parent"),
    path(
        "<int:pk>/parents/<int:item_pk>/entered-in-error/",
        views.parent_error,
        name="parent-error",
    ),
    path("<int:pk>/family/", views.family, name="family"),
    path("<int:pk>/family/leave/", views.leave_family, name="leave-family"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/retention/", retention_views.retention, name="retention"),
    path("<int:pk>/retention/hold/", retention_views.place_hold, name="place-hold"),
    path("<int:pk>/retention/lift-hold/", retention_views.lift_hold, name="lift-hold"),
    path("<int:pk>/retention/restore/", retention_views.restore, name="restore"),
    path("<int:pk>/change-school/", school_views.change_school, name="change-school"),
    path("<int:pk>/moved-out/", school_views.moved_out, name="moved-out"),
    path("<int:pk>/transfer-summary/", school_views.transfer_summary, name="transfer-summary"),
    path(
        "<int:pk>/transfer-summary/<int:item_pk>.json",
        school_views.transfer_summary_json,
        name="transfer-summary-json",
    ),
    path(
        "<int:pk>/transfer-summary/<int:item_pk>.pdf",
        school_views.transfer_summary_pdf,
        name="transfer-summary-pdf",
    ),
    path("import/", import_views.upload, name="import"),
    path("import/<str:token>/", import_views.review, name="import-review"),
    path("import/<str:token>/new/", import_views.confirm_new, name="import-new"),
    path("import/<str:token>/into/<int:pk>/", import_views.confirm_into, name="import-into"),
    path(
        "<int:pk>/received/<int:item_pk>/",
        import_views.received_summary,
        name="received-summary",
    ),
]
