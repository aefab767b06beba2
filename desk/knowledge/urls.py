"""Routes of the knowledge base's pages and API (included at the site root by config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from desk.knowledge import api, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("knowledge/", views.knowledge_home, name="knowledge"),
    path("knowledge/new/", views.knowledge_edit, name="knowledge-new"),
    path("knowledge/<int:article_id>/", views.knowledge_article_page, name="knowledge-article"),
    path("knowledge/<int:article_id>/edit/", views.knowledge_edit, name="knowledge-edit"),
    path("knowledge/<int:article_id>/publish/", views.knowledge_publish, name="knowledge-publish"),
    path("knowledge/<int:article_id>/archive/", views.knowledge_archive, name="knowledge-archive"),
    path("api/knowledge/search/", api.knowledge_search, name="api-knowledge-search"),
    path("api/knowledge/articles/", api.knowledge_for_case_type, name="api-knowledge-articles"),
    path(
        "api/knowledge/articles/<int:article_id>/",
        api.knowledge_article,
        name="api-knowledge-article",
    ),
]
