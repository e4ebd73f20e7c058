from django.urls import path

from figures import views

app_name = "figures"
urlpatterns = [
    path("", views.section, name="index"),
    path("report/", views.report, name="report"),
    path("<slug:section>/", views.section, name="section"),
    path("<slug:section>/<slug:key>.csv", views.figure_csv, name="csv"),
]
