from django.urls import path

from dispatch.api import cases, console, dispatching, notes

urlpatterns = [
    path("screen-pop/", console.screen_pop, name="api-screen-pop"),
    path("calls/", console.calls_create, name="api-calls"),
    path("calls/<int:call_id>/open-incident/", console.call_open, name="api-call-open"),
    path("calls/<int:call_id>/join/", console.call_join, name="api-call-join"),
    path("calls/<int:call_id>/answer/", console.call_close, name="api-call-answer"),
    path("incidents/", console.incidents_list, name="api-incidents"),
    path("incidents/<int:incident_id>/", console.incident_detail, name="api-incident"),
    path(
        "incidents/<int:incident_id>/recommendations/",
        console.incident_recommendations,
        name="api-incident-recommendations",
    ),
    path(
        "incidents/<int:incident_id>/dispatch/",
        console.incident_dispatch,
        name="api-incident-dispatch",
    ),
    path(
        "incidents/<int:incident_id>/timeline/",
        console.incident_timeline,
        name="api-incident-timeline",
    ),
    path(
        "incidents/<int:incident_id>/notes/", notes.incident_note_create, name="api-incident-notes"
    ),
    path(
        "incidents/<int:incident_id>/close/", cases.incident_close_view, name="api-incident-close"
    ),
    path(
        "incidents/<int:incident_id>/cancel/",
        cases.incident_cancel_view,
        name="api-incident-cancel",
    ),
    path(
        "incidents/<int:incident_id>/merge/", cases.incident_merge_view, name="api-incident-merge"
    ),
    path(
        "incidents/<int:incident_id>/refer/", cases.incident_refer_view, name="api-incident-refer"
    ),
    path(
        "work-orders/<int:work_order_id>/transition/",
        console.work_order_change,
        name="api-work-order-transition",
    ),
    path(
        "work-orders/<int:work_order_id>/cancel/",
        dispatching.work_order_cancel_view,
        name="api-work-order-cancel",
    ),
    path(
        "work-orders/<int:work_order_id>/reassign/",
        dispatching.work_order_reassign_view,
        name="api-work-order-reassign",
    ),
]
