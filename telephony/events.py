"""What every adapter turns its phone system's events into: one shape, applied to the call
legs by telephony.services.legs, whatever the system said it in."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    CREATED = "created"  # a channel exists: the caller dialled in, or an agent's phone is called
    QUEUED = "queued"  # the caller joined a queue
    RINGING = "ringing"  # an agent's phone rings
    ANSWERED = "answered"  # an agent answered (the caller's leg is answered with it)
    TRANSFERRED = "transferred"  # the agent passed the caller on
    ABANDONED = "abandoned"  # the caller left a queue before any agent answered
    ENDED = "ended"  # the channel hung up
    RECORDING = "recording"  # where the phone system records this leg


@dataclass(frozen=True)
class PhoneEvent:
    kind: Kind
    leg: str  # the channel's id on the phone system (Asterisk Uniqueid, FreeSWITCH Unique-ID)
    call: str  # the customer's call across its legs (Asterisk Linkedid)
    at: datetime
    caller: str = ""
    dialled: str = ""
    queue: str = ""
    extension: str = ""  # set on an agent's leg
    transfer_to: str = ""
    recording: str = ""

    @property
    def agent_leg(self) -> bool:
        return self.leg != self.call
