"""Concerns and the chronology."""

from django.urls import path

from concerns import views

app_name = "concerns"
urlpatterns = [
    path("children/<int:child_pk>/new/", views.log, name="log"),
    path("children/<int:child_pk>/chronology/", views.chronology, name="chronology"),
    path("children/<int:child_pk>/chronology/print/", views.chronology_pdf, name="chronology-pdf"),
    path("categories/", views.categories, name="categories"),
    path("categories/new/", views.category_edit, name="category-add"),
    path("categories/<int:pk>/", views.category_edit, name="category-edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/logged/", views.logged, name="logged"),
    path("<int:pk>/change/", views.change, name="change"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/entered-in-error/", views.entered_in_error, name="entered-in-error"),
]
