import os

from config.models import Heartbeat
from config.tasks import heartbeat_probe_task
from tests.processes import Process


def test_task_is_executed_by_a_real_worker_process(worker: Process) -> None:
    instance = heartbeat_probe_task.delay(component="probe").get(timeout=30)
    _host, pid = instance.rsplit(":", 1)
    assert int(pid) != os.getpid()  # not run in this process: no eager mode here
    assert Heartbeat.objects.get(component="probe").instance == instance


def test_worker_records_its_own_heartbeat(worker: Process) -> None:
    row = Heartbeat.objects.get(component="worker")
    assert row.detail["hostname"].startswith("celery@")
    assert row.detail["concurrency"] == 1
