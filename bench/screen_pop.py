"""Screen pop: from the phone system's ringing event to the agent's open console, against the
bare event round trip, measured in the same run.

    DATABASE_URL=postgis://gasdispatch:gasdispatch@127.0.0.1:5432/gasdispatch_bench_reports \\
        .venv/bin/python bench/screen_pop.py [--runs 50]

The database needs the demo logins (`manage.py load_demo`). The script collects the static
files, starts gunicorn as the Procfile does, signs the demo call taker in on a headless
Chromium console, and gives them extension 8001 on a phone system of its own. Each run starts
a small real AMI server (tests/telephony/fake_ami.py) that rings 8001 as soon as the adapter
(telephony.ami_client, in this process) has logged in; the time is from the moment the server
wrote the AgentCalled event to its socket to the moment the page's `push:screen_pop` handler
ran (the page's Date.now(); same machine, same clock). That path: TCP to the adapter, the
event parsed, the leg written in PostgreSQL and committed, Redis pub/sub, gunicorn's
server-sent-events stream, Chromium's EventSource.

The baseline, alternately with it: the same AMI text written to a plain TCP socket, read by a
thread that publishes it to Redis, and a plain Redis subscriber receiving it: the event's own
round trip with no database, no Django and no browser.
"""

import argparse
import contextlib
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
os.environ.setdefault("DJANGO_DEBUG", "false")
django.setup()

import redis  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from dispatch.models import User  # noqa: E402
from telephony.ami_client import adapter_run  # noqa: E402
from telephony.models import CallLeg, Extension, PhoneSystem  # noqa: E402
from tests.browser import CHROMIUM_ARGS, off_loop  # noqa: E402
from tests.telephony.fake_ami import FakeAmi, _text, ev  # noqa: E402

SYSTEM = "bench screen pop"
SECRET = secrets.token_hex(8)  # the AMI login of this run's phone system


def summary(ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"{statistics.median(ordered):.1f} | {p95:.1f} | {ordered[-1]:.1f}"


def gunicorn_start() -> tuple[subprocess.Popen[bytes], str]:
    (ROOT / "var").mkdir(exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--config",
            "python:config.gunicorn",
            "--preload",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "16",
            "--graceful-timeout",
            "3",
        ],
        cwd=ROOT,
        stderr=(ROOT / "var" / "bench-screen-pop-gunicorn.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/healthz", timeout=5).status_code < 600:
                return process, url
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def session_cookie(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend that signs people in (the lockout backend only refuses them).
    store[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if "Lockout" not in b
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


def ring_script(n: int, phone: str) -> list[dict[str, str]]:
    caller, agent = f"b{n}.1", f"b{n}.2"
    return [
        ev("Newchannel", 0, Uniqueid=caller, Linkedid=caller, Channel="PJSIP/trunk-1",
           CallerIDNum=phone, Exten="96777"),
        ev("AgentCalled", 1, Uniqueid=caller, Linkedid=caller, DestUniqueid=agent,
           DestLinkedid=caller, DestChannel="PJSIP/8001-1", Interface="PJSIP/8001",
           Queue="hotline", CallerIDNum=phone),
    ]  # fmt: skip


def ours_once(system: PhoneSystem, n: int, page: Page, phone: str) -> float:
    server = FakeAmi(ring_script(n, phone), secret=SECRET)
    # Playwright's loop runs in this thread, where Django refuses the database: another one.
    off_loop(lambda: PhoneSystem.objects.filter(pk=system.pk).update(port=server.port))
    system.port = server.port
    stop = threading.Event()
    adapter = threading.Thread(target=adapter_run, args=(system, stop), daemon=True)
    adapter.start()
    try:
        assert server.done.wait(30)
        page.wait_for_function(f"window.__pops.length > {n}", timeout=30_000)
        popped = page.evaluate(f"window.__pops[{n}]")
        return popped - server.sent_at[1] * 1000
    finally:
        stop.set()
        server.close()
        adapter.join(15)


def bare_once(client: redis.Redis, channel: str) -> float:
    """The AMI text over TCP to a reader that publishes it; a subscriber receives it."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    listener = socket.create_server(("127.0.0.1", 0))
    got: list[float] = []

    def relay() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            client.publish(channel, data)

    thread = threading.Thread(target=relay)
    thread.start()
    sender = socket.create_connection(listener.getsockname())
    frame = _text(ev("AgentCalled", 1, DestUniqueid="x", Interface="PJSIP/8001"))
    sent = time.time()
    sender.sendall(frame)
    while not got:
        message = pubsub.get_message(timeout=5)
        if message is not None:
            got.append(time.time())
    thread.join()
    sender.close()
    listener.close()
    pubsub.close()
    return (got[0] - sent) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        check=True,
    )
    taker = User.objects.get(username="calltaker")
    CallLeg.objects.filter(system__name=SYSTEM).delete()
    PhoneSystem.objects.filter(name=SYSTEM).delete()
    system = PhoneSystem.objects.create(
        name=SYSTEM, kind="ami", host="127.0.0.1", port=1, username="bench", secret=SECRET
    )
    Extension.objects.create(system=system, number="8001", user=taker)
    process, url = gunicorn_start()
    session = session_cookie(taker)
    client = redis.Redis.from_url(settings.REDIS_URL)
    ours: list[float] = []
    bare: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            context = browser.new_context()
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}]
            )
            page = context.new_page()
            page.on("pageerror", lambda e: print("page error:", e))
            page.on("console", lambda m: print("console:", m.text) if m.type == "error" else None)
            page.goto(f"{url}/console/")
            if "/console/" not in page.url:
                raise RuntimeError(f"the console did not open: landed on {page.url}")
            page.wait_for_selector(".console[data-ready]")
            page.wait_for_function("window.pushSource && window.pushSource.readyState === 1")
            page.evaluate(
                "window.__pops = []; window.addEventListener('push:screen_pop', "
                "() => window.__pops.push(Date.now()))"
            )
            for n in range(args.runs + 2):  # two to warm up
                a = ours_once(system, n, page, "13800000000")
                b = bare_once(client, f"bench-bare-{os.getpid()}")
                if n >= 2:
                    ours.append(a)
                    bare.append(b)
            browser.close()
    finally:
        process.terminate()  # an open event stream ends at its next heartbeat: not waited for
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        CallLeg.objects.filter(system=system).delete()
        system.delete()
    load = " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\n{args.runs} rings; load average {load} after the run\n")
    print("| path | p50 ms | p95 ms | longest ms |")
    print("|---|---:|---:|---:|")
    print(f"| ringing event to the agent's console (screen pop) | {summary(ours)} |")
    print(f"| bare event round trip (TCP, Redis pub/sub) | {summary(bare)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
