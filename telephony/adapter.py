"""What every adapter of a phone system's event stream shares: stay connected until stopped,
connecting again after any failure with a growing back-off (telephony.ami_client and
telephony.esl_client each give their own session), and the command that runs one per system."""

import logging
import signal
import threading
from collections.abc import Callable

from django.core.management.base import CommandError
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from config.counters import counter_increment
from telephony.models import PhoneSystem

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 30.0

Session = Callable[[PhoneSystem, threading.Event], None]


def adapter_loop(
    system: PhoneSystem,
    stop: threading.Event,
    session: Session,
    *,
    failures: tuple[type[BaseException], ...],
    name: str,
) -> None:
    """Run `session` until `stop`; after one of `failures`, back off and connect again."""
    backoff = 0.5
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                session(system, stop)
                backoff = 0.5
            except failures as error:
                log.warning(
                    "%s %s: %s; connecting again in %.1f s", name, system.name, error, backoff
                )
                counter_increment(f"telephony.{name}.disconnected")
                PhoneSystem.objects.filter(pk=system.pk).update(disconnected_at=timezone.now())
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
    finally:
        connection.close()  # this thread's own


def adapters_run(
    kind: str, run: Callable[[PhoneSystem, threading.Event], None], system_id: int | None
) -> None:
    """One adapter thread per active phone system of `kind` (or the one asked for), until
    SIGTERM or Ctrl-C."""
    systems = PhoneSystem.objects.filter(kind=kind, active=True)
    if system_id is not None:
        systems = systems.filter(pk=system_id)
    found = list(systems)
    if not found:
        label = PhoneSystem.Kind(kind).label
        raise CommandError(
            _("No active phone system of kind %(kind)s: add one in the admin first.")
            % {"kind": label}
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    threads = [
        threading.Thread(target=run, args=(s, stop), name=f"{kind}-{s.pk}", daemon=True)
        for s in found
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(1.0)
