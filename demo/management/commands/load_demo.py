from typing import Any

from django.core.management.base import BaseCommand

from demo.desk import demo_departments_load, demo_slots_load
from demo.org import demo_utility_companies_load
from demo.people import DEMO_PASSWORD, demo_users_load


class Command(BaseCommand):
    help = "Load the demo organisation and one login per role (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        units = demo_utility_companies_load()  # gas, heat and power companies
        logins = demo_users_load(units)
        demo_departments_load(units)
        slots = demo_slots_load(units)
        self.stdout.write(f"appointment slots: {slots}")
        self.stdout.write(f"demo organisation: {len(units)} units")
        for login in logins:
            self.stdout.write(
                f"  {login.role.label:<15} {login.username:<11} / {DEMO_PASSWORD}"
                f"   {login.first_name} {login.last_name}, {units[login.unit_code].name}"
            )
