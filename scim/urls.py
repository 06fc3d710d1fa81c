from django.urls import path, re_path

from scim import api

app_name = "scim"
urlpatterns = [
    path("ServiceProviderConfig", api.ServiceProviderConfigView.as_view(), name="service_provider_config"),
    path("ResourceTypes", api.Listing.as_view(what="ResourceType"), name="resource_types"),
    path("ResourceTypes/<str:pk>", api.Listing.as_view(what="ResourceType"), name="resourcetype"),
    path("Schemas", api.Listing.as_view(what="Schema"), name="schemas"),
    path("Schemas/<str:pk>", api.Listing.as_view(what="Schema"), name="schema"),
    path("Users", api.ResourceList.as_view(kind="User"), name="users"),
    path("Users/<str:pk>", api.ResourceDetail.as_view(kind="User"), name="user"),
    path("Groups", api.ResourceList.as_view(kind="Group"), name="groups"),
    path("Groups/<str:pk>", api.ResourceDetail.as_view(kind="Group"), name="group"),
    path(".search", api.Search.as_view(), name="search"),
    path("<str:rest>/.search", api.Search.as_view(), name="resource_search"),
    re_path(r"^(?P<rest>.*)$", api.Unknown.as_view(), name="unknown"),
]
