from django.urls import path

from telephony.views_board import board_json, board_page, dial_post, presence_post, summary_json
from telephony.views_recordings import call_legs_json, leg_page, leg_recording

urlpatterns = [
    path("telephony/board/", board_page, name="telephony-board"),
    path("telephony/board.json", board_json, name="telephony-board-json"),
    path("telephony/presence", presence_post, name="telephony-presence"),
    path("telephony/summary.json", summary_json, name="telephony-summary"),
    path("telephony/dial", dial_post, name="telephony-dial"),
    path("telephony/legs/<int:leg_id>/", leg_page, name="telephony-leg"),
    path("telephony/legs/<int:leg_id>/recording", leg_recording, name="telephony-leg-recording"),
    path("telephony/calls/<int:call_id>/legs.json", call_legs_json, name="telephony-call-legs"),
]
