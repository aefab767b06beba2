#!/usr/bin/env bash
# Run a command again whenever it dies, until this script is told to stop: what
# docker-compose's `restart: unless-stopped` does for the same process in production. The
# Procfile puts every long-running process of `make run` under it, where honcho would
# otherwise stop the whole system when one process exits.
#
# Honcho starts each Procfile line as its own process group and stops it by signalling the
# group (SIGTERM, then SIGKILL 5 s later), so the command and whatever it forks stay in this
# group: a Ctrl-C reaches them all, and honcho's SIGKILL sweeps up anything left.
#
# A command killed with -9 leaves its children behind: gunicorn's workers still holding the
# listening socket (the next master could not bind it), celery's pool processes. When this
# script leads its process group (as under honcho), it kills whatever else is left in the
# group before starting the command again, and before it exits.
set -u
child=0
stopping=0
delay=2
stop() {
  stopping=1
  if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap stop TERM INT

# Every process of our group except this script and its ancestors (honcho's `sh -c`).
leftovers() {
  local group pid ancestors=" $$ " up=$$
  group=$(ps -o pgid= -p $$ | tr -d ' ')
  # Only a group of our own: run from a shell or a test, the group is someone else's.
  [ "$group" = "$$" ] || [ "$group" = "$PPID" ] || return 0
  while [ "$up" -gt 1 ]; do
    up=$(ps -o ppid= -p "$up" | tr -d ' ')
    ancestors+="$up "
  done
  for pid in $(pgrep -g "$group"); do
    case "$ancestors" in *" $pid "*) ;; *) echo "$pid" ;; esac
  done
}

sweep() {
  local pids
  pids=$(leftovers)
  # pgrep and the command substitutions above were in the group too: gone by now, and a
  # kill of a pid that no longer exists is harmless.
  if [ -n "$pids" ]; then kill -KILL $pids 2>/dev/null; fi
}

while :; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  status=$?
  # A trapped signal ends `wait` early: wait on until the child has really gone.
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    status=$?
  done
  ran=$((SECONDS - started))
  sweep
  if [ "$stopping" -eq 1 ]; then exit "$status"; fi
  # A command that keeps dying at once (a bad setting) is retried ever more slowly, up to
  # 30 s apart; one that ran a while is back within 2 s.
  if [ "$ran" -ge 10 ]; then delay=2; fi
  echo "respawn: '$1' exited with status $status; starting it again in ${delay} s" >&2
  sleep "$delay" &
  wait $!
  if [ "$stopping" -eq 1 ]; then exit 0; fi
  if [ "$ran" -lt 10 ]; then delay=$((delay * 2 > 30 ? 30 : delay * 2)); fi
done
