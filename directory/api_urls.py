"""The open-data API (Open Referral UK, HSDS 3.0), under /api/directory/."""

from django.urls import path

from directory import api

app_name = "oruk"
urlpatterns = [
    path("", api.index, name="index"),
    path("openapi.json", api.openapi, name="openapi"),
    path("services", api.services, name="services"),
    path("services/<str:id>", api.service, name="service"),
    path("service_at_locations", api.service_at_locations, name="service-at-locations"),
    path("service_at_locations/<str:id>", api.service_at_location, name="service-at-location"),
    path("taxonomies", api.taxonomies, name="taxonomies"),
    path("taxonomies/<str:id>", api.taxonomy, name="taxonomy"),
    path("taxonomy_terms", api.taxonomy_terms, name="taxonomy-terms"),
    path("taxonomy_terms/<str:id>", api.taxonomy_term, name="taxonomy-term"),
    path("organizations", api.organizations, name="organizations"),
    path("organizations/<str:id>", api.organization, name="organization"),
]
