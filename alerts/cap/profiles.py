"""Which incidents get a public alert, how wide their zone is, and the fixed CAP values."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dispatch.choices import Category


@dataclass(frozen=True)
class ZoneProfile:
    radius_km: float
    categories: tuple[str, ...]  # CAP <category>
    severity: str
    response_types: tuple[str, ...]
    event_zh: str
    event_en: str


# P1 incidents of these categories put people near the site at risk, so the public is told to
# keep away. A CO alarm is P1 too, but its danger stays inside one home: no public zone.
ZONES: dict[str, ZoneProfile] = {
    Category.LEAK_OUTDOOR: ZoneProfile(
        radius_km=0.1,
        categories=("Safety",),
        severity="Severe",
        response_types=("Avoid",),
        event_zh="燃气泄漏",
        event_en="Gas leak",
    ),
    Category.LEAK_INDOOR: ZoneProfile(
        radius_km=0.2,  # gas trapped in a building can ignite and take the walls out with it
        categories=("Safety",),
        severity="Severe",
        response_types=("Evacuate", "Avoid"),
        event_zh="建筑物内燃气泄漏",
        event_en="Gas leak in a building",
    ),
    Category.THIRD_PARTY_DAMAGE: ZoneProfile(
        radius_km=0.2,  # a torn main blows far more gas than a leaking joint
        categories=("Safety", "Infra"),
        severity="Severe",
        response_types=("Avoid",),
        event_zh="燃气管道受损",
        event_en="Damaged gas main",
    ),
    Category.FIRE: ZoneProfile(
        radius_km=0.3,  # a second explosion throws debris beyond a leak's zone
        categories=("Fire", "Safety"),
        severity="Extreme",
        response_types=("Evacuate", "Avoid"),
        event_zh="燃气火灾或爆炸",
        event_en="Gas fire or explosion",
    ),
}

ALERT_PRIORITY = 1
# Hubs drop a message at its expiry; the feed lists a message until then too.
EXPIRES = timedelta(hours=6)
# Hubs that feed cell broadcast take at most 100 points per polygon.
MAX_POLYGON_POINTS = 100
# The isolation outline is widened by 1.5 times this, then simplified within this (so it still
# covers the whole traced area with far fewer points).
SIMPLIFY_M = 10.0

LANGUAGES = ("zh-CN", "en-US")

# Used until config/settings/alerts.py sets them.
DEFAULT_SENDER = "gas-dispatch.local"
DEFAULT_SENDER_NAME = "Gas emergency service"
DEFAULT_SENDER_NAME_ZH = "燃气抢修中心"

# CAP 1.2 3.2.1: sender and identifier must not hold spaces, commas, "<" or "&".
_FORBIDDEN = set(" ,<&/\t\r\n")


def cap_sender() -> str:
    sender = str(getattr(settings, "CAP_SENDER", DEFAULT_SENDER))
    if not sender or len(sender) > 60 or _FORBIDDEN & set(sender):
        raise ImproperlyConfigured("CAP_SENDER: 1-60 characters without spaces, commas, '<' or '&'")
    return sender


def cap_sender_names() -> dict[str, str]:
    return {
        "zh-CN": str(getattr(settings, "CAP_SENDER_NAME_ZH", DEFAULT_SENDER_NAME_ZH)),
        "en-US": str(getattr(settings, "CAP_SENDER_NAME", DEFAULT_SENDER_NAME)),
    }
