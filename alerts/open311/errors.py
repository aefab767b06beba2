"""What an Open311 endpoint refuses, with the HTTP status the spec gives it."""


class Open311Error(Exception):
    """Refused: nothing was changed. Each description becomes one <error> of the answer;
    `retry_after` (seconds) goes out as the Retry-After header of a 429."""

    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)
        self.retry_after = retry_after


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)
