"""The web server's access log never holds a tracker's key: gunicorn as the Procfile and
docker-compose.yml start it logs paths without their query strings."""

import sys
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.processes import Process, free_port, port_open, wait_until


def test_the_access_log_records_the_path_but_not_the_query_with_a_device_key(
    process_env: dict[str, str], running: list[Any]
) -> None:
    port = free_port()
    web = Process(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "python:config.gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        env=process_env,
    )
    running.append(web)
    wait_until(lambda: port_open(port), timeout=30, what="gunicorn")
    url = f"http://127.0.0.1:{port}/api/field/osmand/?id=VAN-0001.secretkeysecretkeysecret&lat=1"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 401  # a key nobody issued
    wait_until(lambda: '"GET /api/field/osmand/' in web.output(), timeout=10, what="the log")
    assert '"GET /api/field/osmand/ HTTP/1.1" 401' in web.output()
    assert "secretkey" not in web.output()
