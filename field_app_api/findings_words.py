"""What a crew reports from site, per utility: the causes the findings API takes and the
actions a crew most often takes, as the crew reads them. A gas crew grades a leak and names
the valves it turned; a heat crew drains a section and bleeds radiators; a power crew
replaces a fuse or recloses a breaker. The cause codes are what the findings keep; the
actions are kept in English (any screen translates them back with gettext)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gis.models import Utility

CAUSES: dict[str, Promise] = {
    # gas
    "corrosion": _("Corrosion"),
    "third_party_damage": _("Third party damage"),
    "joint_failure": _("Joint failure"),
    "material_failure": _("Material failure"),
    "ground_movement": _("Ground movement"),
    "appliance": _("Appliance"),
    "meter": _("Meter"),
    "no_leak_found": _("No leak found"),
    # heat
    "compensator_failure": _("Expansion joint failure"),
    "substation_equipment": _("Substation equipment (exchanger, pump, control)"),
    "air_in_system": _("Air in the radiators or risers"),
    "building_pipework": _("Pipework inside the building"),
    # power
    "wind_or_storm": _("Wind or storm"),
    "lightning": _("Lightning"),
    "tree_contact": _("Tree or vegetation contact"),
    "equipment_failure": _("Equipment failure"),
    "overload": _("Overload"),
    "animal_contact": _("Animal contact"),
    "customer_installation": _("Fault in the customer's installation"),
    # any
    "no_fault_found": _("No fault found"),
    "other": _("Other"),
}

CAUSES_BY_UTILITY: dict[str, list[str]] = {
    Utility.GAS: [
        "corrosion",
        "third_party_damage",
        "joint_failure",
        "material_failure",
        "ground_movement",
        "appliance",
        "meter",
        "no_leak_found",
        "other",
    ],
    Utility.HEAT: [
        "corrosion",
        "third_party_damage",
        "joint_failure",
        "compensator_failure",
        "material_failure",
        "ground_movement",
        "substation_equipment",
        "air_in_system",
        "building_pipework",
        "no_fault_found",
        "other",
    ],
    Utility.POWER: [
        "wind_or_storm",
        "lightning",
        "tree_contact",
        "third_party_damage",
        "equipment_failure",
        "overload",
        "animal_contact",
        "customer_installation",
        "no_fault_found",
        "other",
    ],
}

ACTIONS_BY_UTILITY: dict[str, dict[str, Promise]] = {
    Utility.GAS: {
        "Ventilated the building": _("Ventilated the building"),
        "Evacuated people": _("Evacuated people"),
        "Cordoned off the area": _("Cordoned off the area"),
        "Removed ignition sources": _("Removed ignition sources"),
        "Closed the meter valve": _("Closed the meter valve"),
        "Closed network valves": _("Closed network valves"),
        "Temporary repair (clamp or tape)": _("Temporary repair (clamp or tape)"),
        "Permanent repair": _("Permanent repair"),
        "Gas detector survey": _("Gas detector survey"),
    },
    Utility.HEAT: {
        "Cordoned off the area": _("Cordoned off the area"),
        "Warned residents of scalding water": _("Warned residents of scalding water"),
        "Closed network valves": _("Closed network valves"),
        "Drained the section": _("Drained the section"),
        "Bled the radiators": _("Bled the radiators"),
        "Restarted the substation": _("Restarted the substation"),
        "Temporary repair (clamp or tape)": _("Temporary repair (clamp or tape)"),
        "Permanent repair": _("Permanent repair"),
        "Refilled and restored circulation": _("Refilled and restored circulation"),
    },
    Utility.POWER: {
        "Cordoned off the area": _("Cordoned off the area"),
        "Switched off and earthed the line": _("Switched off and earthed the line"),
        "Replaced the fuse": _("Replaced the fuse"),
        "Reclosed the breaker or recloser": _("Reclosed the breaker or recloser"),
        "Cleared vegetation": _("Cleared vegetation"),
        "Repaired the conductor": _("Repaired the conductor"),
        "Replaced equipment": _("Replaced equipment"),
        "Connected a temporary generator": _("Connected a temporary generator"),
        "Restored supply": _("Restored supply"),
    },
}


def actions_for(utilities: list[str]) -> dict[str, Promise]:
    """The actions a crew serving these utilities is offered, in order, once each."""
    found: dict[str, Promise] = {}
    for utility in utilities:
        found.update(ACTIONS_BY_UTILITY.get(utility, {}))
    return found


def causes_for(utilities: list[str]) -> list[str]:
    found: list[str] = []
    for utility in utilities:
        found += [c for c in CAUSES_BY_UTILITY.get(utility, []) if c not in found]
    return found
