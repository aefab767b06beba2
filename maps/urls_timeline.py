"""Routes of the timeline pages (included at the site root by config/urls.py)."""

from django.urls import URLPattern, path

from maps.views_timeline import EXPORT_FORMATS, timeline_export, timeline_page

urlpatterns: list[URLPattern] = [
    path("incidents/<str:reference>/timeline", timeline_page, name="maps-timeline"),
    *(
        path(
            f"incidents/<str:reference>/timeline.{fmt}",
            timeline_export,
            {"fmt": fmt},
            name=f"maps-timeline-{fmt}",
        )
        for fmt in EXPORT_FORMATS
    ),
]
