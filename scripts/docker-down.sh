#!/usr/bin/env bash
# Stop dockerd only if scripts/docker-up.sh started it (its pid file), and wait for it to exit.
set -euo pipefail

PID_FILE="${REDIS_HA_DOCKERD_PID_FILE:-/tmp/redis-ha-dockerd.pid}"
TIMEOUT_S="${REDIS_HA_DOCKERD_STOP_TIMEOUT_S:-30}"

if [[ ! -f "$PID_FILE" ]]; then
    echo "docker-down: dockerd was not started by docker-up.sh; leaving it alone"
    exit 0
fi

pid="$(cat "$PID_FILE")"
# Guard against a recycled pid: only signal the process if it still is a dockerd.
if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null || [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "dockerd" ]]; then
    echo "docker-down: dockerd (pid ${pid:-?}) is no longer running"
    rm -f "$PID_FILE"
    exit 0
fi

echo "docker-down: stopping dockerd (pid $pid)"
kill -TERM "$pid"
deadline=$((SECONDS + TIMEOUT_S))
while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
        echo "docker-down: dockerd (pid $pid) still running after ${TIMEOUT_S}s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
    fi
    sleep 0.2
done
rm -f "$PID_FILE"
echo "docker-down: dockerd stopped"
