"""The Service Directory's pages. The open data API is in ``api_urls.py``."""

from django.urls import path

from directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("public/", views.public_search, name="public-search"),
    path("public/services/<int:pk>/", views.public_service_detail, name="public-service"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.service_create, name="service-create"),
    path("manage/<int:pk>/edit/", views.service_edit, name="service-edit"),
    path("manage/<int:pk>/confirm/", views.service_confirm, name="service-confirm"),
    path("manage/<int:pk>/history/", views.service_history, name="service-history"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_edit, name="organisation-create"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("categories/", views.category_list, name="categories"),
    path("categories/new/", views.category_edit, name="category-create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category-edit"),
]
