#!/usr/bin/env bash
# Make a Docker engine reachable through /var/run/docker.sock. Leaves a running engine alone; otherwise
# installs docker.io if needed, starts dockerd in the background and waits until it answers.
# The pid file exists only when this script started dockerd, so docker-down.sh stops only what we started.
set -euo pipefail

PID_FILE="${REDIS_HA_DOCKERD_PID_FILE:-/tmp/redis-ha-dockerd.pid}"
LOG_FILE="${REDIS_HA_DOCKERD_LOG:-/tmp/redis-ha-dockerd.log}"
TIMEOUT_S="${REDIS_HA_DOCKERD_TIMEOUT_S:-60}"

if docker info >/dev/null 2>&1; then
    echo "docker-up: a Docker engine is already running; nothing to do"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker-up: dockerd missing; installing docker.io"
    export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l
    apt-get update -qq
    apt-get install -y -qq docker.io
fi

# dockerd needs the cgroup controllers mounted; on a machine without an init that mounts them,
# the cgroupfs-mount helper (a docker.io recommendation) does it.
if ! grep -q ' /sys/fs/cgroup/' /proc/mounts && ! grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then
    if command -v cgroupfs-mount >/dev/null 2>&1; then
        echo "docker-up: mounting cgroups with cgroupfs-mount"
        cgroupfs-mount
    fi
fi

echo "docker-up: starting dockerd (log: $LOG_FILE)"
# setsid: the daemon must outlive this script and not receive signals sent to the caller's process group.
# A background child of a non-interactive shell is never a group leader, so setsid execs without forking
# and $! is dockerd's own pid. DOCKERD_EXTRA_ARGS (word-split) is passed to dockerd. Beware when using it
# for a second engine beside a running one: `--bridge none` makes dockerd delete the shared docker0 link.
# Every inherited descriptor above stderr is closed first: a caller running this under
# `flock /tmp/redis-ha-ports.lock` would otherwise hand the lock's descriptor to the daemon, which then
# holds the lock for as long as it runs and every later `flock` waits forever.
# shellcheck disable=SC2086
(
    for fd in /proc/self/fd/*; do
        fd="${fd##*/}"
        if ((fd > 2)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi
    done
    exec setsid dockerd ${DOCKERD_EXTRA_ARGS:-} >"$LOG_FILE" 2>&1 </dev/null
) &
pid=$!
echo "$pid" >"$PID_FILE"

deadline=$((SECONDS + TIMEOUT_S))
until docker info >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "docker-up: dockerd (pid $pid) exited during start-up; log tail:" >&2
        tail -n 40 "$LOG_FILE" >&2 || true
        rm -f "$PID_FILE"
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "docker-up: dockerd (pid $pid) did not answer 'docker info' within ${TIMEOUT_S}s; log tail:" >&2
        tail -n 40 "$LOG_FILE" >&2 || true
        exit 1
    fi
    sleep 0.2
done
echo "docker-up: dockerd is up (pid $pid, $(docker version --format '{{.Server.Version}}'))"
