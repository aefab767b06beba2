"""Routes of the billing part of the desk (included at the site root by config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from desk.billing import api, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/desk/story/", api.story, name="desk-story"),
    path("api/desk/customers/search/", api.customer_search_api, name="desk-customer-search"),
    path("desk/arrears/", views.arrears_page, name="billing-arrears"),
    path(
        "desk/arrears/<int:customer_id>/reminded/",
        views.arrears_reminded,
        name="billing-arrears-reminded",
    ),
]
