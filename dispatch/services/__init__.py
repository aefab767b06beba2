"""Every write of the dispatch app goes through a function here, one use case each."""

from dispatch.services.people import customer_bulk_load, customer_delete_all, user_create

__all__ = ["customer_bulk_load", "customer_delete_all", "user_create"]
