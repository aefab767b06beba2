"""What a service refuses, and why, in words a call taker or a tablet can show."""

from config.errors import ServiceError


class DispatchError(ServiceError):
    """Bad input for a dispatch use case: nothing was changed."""


class NotFoundError(DispatchError):
    status = 404


class ForbiddenError(DispatchError):
    """The user's role or organisational unit does not allow this."""

    status = 403


class ConflictError(DispatchError):
    """The state changed under the request (an impossible transition, a closed incident)."""

    status = 409


class InvalidTransitionError(ConflictError):
    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"a work order that is {current} cannot become {to}", field="to")
        self.current, self.to = current, to
