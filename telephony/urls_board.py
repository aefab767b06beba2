from django.urls import path

from telephony.views_board import board_json, board_page, presence_post

urlpatterns = [
    path("telephony/board/", board_page, name="telephony-board"),
    path("telephony/board.json", board_json, name="telephony-board-json"),
    path("telephony/presence", presence_post, name="telephony-presence"),
]
