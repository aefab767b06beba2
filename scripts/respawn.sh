#!/usr/bin/env bash
# Run a command again whenever it dies, until this script is told to stop: what
# docker-compose's `restart: unless-stopped` does for the same process in production, for
# `make run`, where honcho would otherwise stop the whole system when one process exits.
# (The Celery worker is the one that needs it: kombu 5.7 loses it when Redis goes away
# while it holds an unacknowledged ETA task; see the README.)
set -u
child=0
stopping=0
stop() {
  stopping=1
  if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap stop TERM INT
while :; do
  "$@" &
  child=$!
  wait "$child"
  status=$?
  # A trapped signal ends `wait` early: wait on until the child has really gone.
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    status=$?
  done
  if [ "$stopping" -eq 1 ]; then exit "$status"; fi
  echo "respawn: '$1' exited with status $status; starting it again in 2 s" >&2
  sleep 2 &
  wait $!
  if [ "$stopping" -eq 1 ]; then exit 0; fi
done
