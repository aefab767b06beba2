from django.urls import path

from fleet import osmand

# Under /api/field/ beside the tablet's API (config/urls.py): the address trackers in the
# field are already configured with.
urlpatterns = [
    path("osmand/", osmand.osmand_position, name="field-osmand"),
]
