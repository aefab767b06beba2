"""What a service refuses, and why: the one error every app's API answers in the same shape.

config.api_errors turns it into `{"error", "field"}` with its status. Each app subclasses it
(dispatch.errors.DispatchError, ...) so that the apps below dispatch (the fleet) can refuse
without importing the layers above them.
"""


class ServiceError(Exception):
    """Bad input for a use case: nothing was changed."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
