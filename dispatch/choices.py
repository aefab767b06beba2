"""The vocabulary of the hotline: categories, channels, priorities, hazards, skills."""

from django.db import models


class Category(models.TextChoices):
    LEAK_OUTDOOR = "leak_outdoor", "Gas odour or leak outdoors"
    LEAK_INDOOR = "leak_indoor", "Gas odour or leak inside a building"
    NO_GAS = "no_gas", "No gas"
    LOW_PRESSURE = "low_pressure", "Low pressure"
    CO_ALARM = "co_alarm", "CO alarm"
    FIRE = "fire", "Fire or explosion"
    THIRD_PARTY_DAMAGE = "third_party_damage", "Third-party damage to a main"
    METER_FAULT = "meter_fault", "Meter fault"
    REPAIR = "repair", "Repair request"
    COMPLAINT = "complaint", "Complaint"
    CONSULTATION = "consultation", "Consultation"
    NEW_CONNECTION = "new_connection", "New connection"
    INSPECTION = "inspection", "Safety-inspection appointment"
    BILLING = "billing", "Billing"


class Language(models.TextChoices):
    """The language a caller is answered in: messages, the status page."""

    ZH = "zh", "中文"
    EN = "en", "English"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    WEB = "web", "Web form"
    OPEN311 = "open311", "Open311 / 12345 hotline"
    REFERRAL = "referral", "110/119 referral"
    WALK_IN = "walk_in", "Walk-in"


class Priority(models.IntegerChoices):
    P1 = 1, "P1 emergency"
    P2 = 2, "P2 urgent"
    P3 = 3, "P3 routine"
    P4 = 4, "P4 planned"


class Hazard(models.TextChoices):
    INSIDE_BUILDING = "inside_building", "Smell or leak inside a building"
    STRONG_SMELL = "strong_smell", "Strong smell"
    HISSING = "hissing", "Hissing sound"
    SOMEONE_UNWELL = "someone_unwell", "Someone unwell (headache, dizziness)"
    IGNITION = "ignition", "Flame, sparks or smoking nearby"
    NEAR_SENSITIVE_SITE = "near_sensitive_site", "Near a school, hospital or market"


class Skill(models.TextChoices):
    LEAK_SURVEY = "leak_survey", "Leak survey"
    MAKE_SAFE = "make_safe", "Make safe"
    PE_WELDING = "pe_welding", "PE welding"
    STEEL_WELDING = "steel_welding", "Steel welding"
    HIGH_PRESSURE = "high_pressure", "High pressure"
    METERS = "meters", "Meters"
    SERVICE_LINES = "service_lines", "Service lines"
