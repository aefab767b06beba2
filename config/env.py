"""Typed readers for settings from environment variables.

Every reader raises ConfigError naming the variable, so a bad deployment stops with one line
("configuration error: MQTT_BROKER_PORT: expected an integer, got 'abc'") instead of a traceback.
"""

import os
from typing import cast
from urllib.parse import SplitResult, urlsplit


class ConfigError(Exception):
    """A missing or malformed environment variable."""


_UNSET = object()
REQUIRED = _UNSET  # pass as the default of a variable that has none
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str, default: object) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is _UNSET:
            raise ConfigError(f"{name} is required but not set (see .env.example)")
        return None
    return value.strip()


def env_str(name: str, default: str | object = _UNSET) -> str:
    raw = _raw(name, default)
    return raw if raw is not None else str(default)


def env_int(
    name: str,
    default: int | object = _UNSET,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    raw = _raw(name, default)
    if raw is None:
        return cast(int, default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ConfigError(f"{name}: {value} is outside {minimum}..{maximum}")
    return value


def env_float(name: str, default: float | object = _UNSET, *, minimum: float = 0.0) -> float:
    raw = _raw(name, default)
    if raw is None:
        return cast(float, default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: {value} is below {minimum}")
    return value


def env_bool(name: str, default: bool | object = _UNSET) -> bool:
    raw = _raw(name, default)
    if raw is None:
        return bool(default)
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def env_list(name: str, default: list[str] | object = _UNSET) -> list[str]:
    raw = _raw(name, default)
    if raw is None:
        return list(cast(list[str], default))
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str | object = _UNSET) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ConfigError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def env_url(name: str, default: str | object = _UNSET, *, schemes: tuple[str, ...]) -> SplitResult:
    raw = env_str(name, default)
    try:
        url = urlsplit(raw)
        url.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ConfigError(f"{name}: malformed URL {raw!r} ({exc})") from None
    if url.scheme not in schemes or not url.hostname:
        raise ConfigError(f"{name}: expected a URL like {schemes[0]}://host:port/..., got {raw!r}")
    return url
