from django.urls import path

from subject_access import views

app_name = "subject_access"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("children/<int:pk>/", views.child_requests, name="child"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/extend/", views.request_extend, name="extend"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("<int:pk>/refuse/", views.request_refuse, name="refuse"),
    path("<int:pk>/answer.pdf", views.answer_pdf, name="pdf"),
    path("<int:pk>/answer.json", views.answer_json, name="json"),
]
