"""Routes of the appointments: the staff page, the customer's pages and the API."""

from django.urls import path

from desk.appointments import api, views, views_public

urlpatterns = [
    path("appointments/", views.appointment_page, name="appointments"),
    path("appointments/book/", views.appointment_book_form, name="appointment-book-form"),
    path("appointments/slots/", views.slots_generate_form, name="appointment-slots-form"),
    path(
        "appointments/<str:reference>/move/",
        views.appointment_move_form,
        name="appointment-move-form",
    ),
    path(
        "appointments/<str:reference>/cancel/",
        views.appointment_cancel_form,
        name="appointment-cancel-form",
    ),
    path("book/", views_public.book_page, name="appointment-public-book"),
    path("my-appointment/<str:token>/", views_public.my_appointment, name="my-appointment"),
    path("api/appointments/stations/", api.stations, name="api-appointment-stations"),
    path("api/appointments/slots/", api.slots, name="api-appointment-slots"),
    path("api/appointments/", api.book, name="api-appointment-book"),
    path("api/appointments/<str:reference>/move/", api.move, name="api-appointment-move"),
    path("api/appointments/<str:reference>/cancel/", api.cancel, name="api-appointment-cancel"),
]
