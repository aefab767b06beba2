"""The vocabulary of the hotline: categories, channels, priorities, hazards, skills."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gis.models.network import Utility  # noqa: F401 (what a case type is about; gis owns it)


class Category(models.TextChoices):
    """The case types a new installation ships with, by the codes the shipped rules, demo and
    tests name. The live list is data (dispatch.models.CategoryRule): screens, validation and
    names read the rows, never this enum."""

    LEAK_OUTDOOR = "leak_outdoor", _("Gas odour or leak outdoors")
    LEAK_INDOOR = "leak_indoor", _("Gas odour or leak inside a building")
    NO_GAS = "no_gas", _("No gas")
    LOW_PRESSURE = "low_pressure", _("Low pressure")
    CO_ALARM = "co_alarm", _("CO alarm")
    FIRE = "fire", _("Fire or explosion")
    THIRD_PARTY_DAMAGE = "third_party_damage", _("Third-party damage to a main")
    METER_FAULT = "meter_fault", _("Meter fault")
    REPAIR = "repair", _("Repair request")
    COMPLAINT = "complaint", _("Complaint")
    CONSULTATION = "consultation", _("Consultation")
    NEW_CONNECTION = "new_connection", _("New connection")
    INSPECTION = "inspection", _("Safety-inspection appointment")
    BILLING = "billing", _("Billing")


class Handling(models.TextChoices):
    """How a case type is handled once the call is taken."""

    FIELD_JOB = "field_job", _("Field job: an incident a crew is sent to")
    OFFICE_CASE = "office_case", _("Office case: a case the service desk handles, no crew")
    ON_CALL = "on_call", _("Answered on the call: no incident")


class Language(models.TextChoices):
    """The language a caller is answered in: messages, the status page."""

    ZH = "zh", _("中文")
    EN = "en", _("English")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    OPEN311 = "open311", _("Open311 / 12345 hotline")
    REFERRAL = "referral", _("110/119 referral")
    WALK_IN = "walk_in", _("Walk-in")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 emergency")
    P2 = 2, _("P2 urgent")
    P3 = 3, _("P3 routine")
    P4 = 4, _("P4 planned")


class Hazard(models.TextChoices):
    INSIDE_BUILDING = "inside_building", _("Smell or leak inside a building")
    STRONG_SMELL = "strong_smell", _("Strong smell")
    HISSING = "hissing", _("Hissing sound")
    SOMEONE_UNWELL = "someone_unwell", _("Someone unwell (headache, dizziness)")
    IGNITION = "ignition", _("Flame, sparks or smoking nearby")
    NEAR_SENSITIVE_SITE = "near_sensitive_site", _("Near a school, hospital or market")
    # District heating
    HOT_WATER_STEAM = "hot_water_steam", _("Hot water or steam escaping")
    FLOODING = "flooding", _("Water flooding a basement, road or flat")
    VULNERABLE_COLD = "vulnerable_cold", _("Elderly, infants or sick people without heat")
    # Power
    PERSON_CONTACT = "person_contact", _("Someone touched a line or had a shock")
    SPARKS_FIRE = "sparks_fire", _("Sparks, arcing or fire at a line or box")
    LIFE_SUPPORT = "life_support", _("Life-support equipment at home")


class Skill(models.TextChoices):
    LEAK_SURVEY = "leak_survey", _("Leak survey")
    MAKE_SAFE = "make_safe", _("Make safe")
    PE_WELDING = "pe_welding", _("PE welding")
    STEEL_WELDING = "steel_welding", _("Steel welding")
    HIGH_PRESSURE = "high_pressure", _("High pressure")
    METERS = "meters", _("Meters")
    SERVICE_LINES = "service_lines", _("Service lines")
    # District heating
    HEAT_PIPES = "heat_pipes", _("Heating pipes")
    HEAT_SUBSTATIONS = "heat_substations", _("Heat substations")
    # Power
    LINE_WORK = "line_work", _("Overhead lines")
    CABLE_WORK = "cable_work", _("Cables and joints")
    TRANSFORMERS = "transformers", _("Transformers and fuses")
