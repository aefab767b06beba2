import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.city.heat_layout import heat_generate
from demo.city.layout import city_generate
from demo.city.power_layout import power_generate
from demo.city.utilities_writer import city_write_heat, city_write_power
from demo.city.writer import (
    city_origin,
    city_territories,
    city_write_network,
    city_write_premises,
    network_clear,
)
from demo.org import demo_territories_set, demo_utility_territories_set
from dispatch.models import Call
from dispatch.services import customer_bulk_load, customer_delete_all
from gis.models import Premise
from gis.services import network_revision_bump


class Command(BaseCommand):
    help = (
        "Build a deterministic demo city: roads, gas mains, heat pipes, power lines, valves, "
        "stations, devices, premises, customers."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--premises", type=int, default=20_000)
        parser.add_argument(
            "--blocks",
            type=int,
            default=None,
            help="streets per side (default: enough for --premises)",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if a network is already loaded (make run uses this)",
        )
        group.add_argument(
            "--replace",
            action="store_true",
            help="delete the loaded network and all customers first",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--utilities",
            default="gas,heat,power",
            help="which networks to lay (comma-separated: gas always; heat, power)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Premise.objects.count()
        if existing and options["if_empty"]:
            self.stdout.write(f"network already loaded ({existing} premises): left as it is")
            return
        if existing and not options["replace"]:
            raise CommandError(
                f"the database already holds a network ({existing} premises). Use --replace to "
                "delete it and every customer account and build the demo city instead."
            )
        if existing and options["replace"] and Call.objects.exists():
            raise CommandError(
                "the database holds calls: replacing the network would orphan them (a call is "
                "never deleted). Build the demo city in a fresh database instead."
            )
        if options["premises"] < 1:
            raise CommandError("--premises must be at least 1")
        utilities = {u.strip() for u in options["utilities"].split(",") if u.strip()}
        if not utilities <= {"gas", "heat", "power"}:
            raise CommandError("--utilities takes gas, heat and power, comma-separated")
        started = time.monotonic()
        city = city_generate(
            seed=options["seed"], premises=options["premises"], blocks=options["blocks"]
        )
        with transaction.atomic():
            if existing:
                customer_delete_all()
                network_clear()
            origin = city_origin(city)
            city_write_network(city, origin)
            customers = city_write_premises(city, origin, progress=not options["no_progress"])
            heat, power = heat_generate(city), power_generate(city)
            if "heat" in utilities:
                city_write_heat(heat, origin)
            if "power" in utilities:
                city_write_power(power, origin)
            customer_bulk_load(rows=customers)
            demo_territories_set(city_territories(city, origin))
            demo_utility_territories_set()
            network_revision_bump()
        self.stdout.write(
            f"demo city (seed {city.seed}): {city.blocks}x{city.blocks} blocks, "
            f"{len(city.segments)} pipe segments, {len(city.valves)} valves, "
            f"{len(city.sources)} stations, {len(city.roads)} roads, {len(city.landmarks)} "
            f"landmarks, {city.premise_target} premises and customers"
            + (
                f"; heat: {len(heat.pipes)} pipes, {len(heat.valves)} valves, "
                f"{len(heat.stations)} stations"
                if "heat" in utilities
                else ""
            )
            + (
                f"; power: {len(power.lines)} lines, {len(power.devices)} devices"
                if "power" in utilities
                else ""
            )
            + " "
            f"in {time.monotonic() - started:.1f}s"
        )
