#!/usr/bin/env bash
# Build redis-ha-local/redis:7.0, a local stand-in for the official `redis` image, from the host's Debian
# packages (redis-server/redis-tools, busybox-static, gosu), without any registry: a small root filesystem
# is assembled in a temp dir and turned into an image with `docker import`.
#
# Faithful to the official image where our stack can tell: binaries in /usr/local/bin (redis-sentinel and
# the check tools are symlinks to redis-server), user/group redis = 999/999, WORKDIR and VOLUME /data,
# ENTRYPOINT docker-entrypoint.sh (chown /data, drop to redis with gosu, umask 0077), CMD redis-server,
# EXPOSE 6379. Known differences: Redis is Debian's 7.0.x rather than 7.2, protected-mode defaults to yes
# (upstream patches its default to no; our redis.conf sets it explicitly), and the userland is busybox.
#
# Skips the build when the image's label redis-ha.local-image.hash matches the inputs' hash; always ends
# with a self-check of the image on this engine (non-zero exit when it is broken).
#
# env: REDIS_HA_LOCAL_IMAGE (image name), REDIS_HA_LOCAL_IMAGE_FORCE=1 (rebuild even if unchanged).
set -euo pipefail

IMAGE="${REDIS_HA_LOCAL_IMAGE:-redis-ha-local/redis:7.0}"
HASH_LABEL="redis-ha.local-image.hash"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ENTRYPOINT_SRC="$SCRIPT_DIR/local-image/docker-entrypoint.sh"
MULTIARCH_LIB="usr/lib/$(uname -m)-linux-gnu"
START_S=$SECONDS

log() { printf 'build-local-image: %s\n' "$*"; }
die() { printf 'build-local-image: ERROR: %s\n' "$*" >&2; exit 1; }

# --- inputs --------------------------------------------------------------------------------------------
need_bin() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH (apt-get install $2)"; }
need_bin redis-server redis-server
need_bin redis-cli redis-tools
need_bin redis-benchmark redis-tools
command -v docker >/dev/null 2>&1 || die "docker CLI not found (apt-get install docker.io; scripts/docker-up.sh)"
BUSYBOX="$(command -v busybox || true)"
GOSU="$(command -v gosu || true)"
[[ -x "${BUSYBOX:-}" ]] || die "busybox not found (apt-get install busybox-static)"
[[ -x "${GOSU:-}" ]] || die "gosu not found (apt-get install gosu)"
# Both run inside the image with no libraries of their own, so they must be static.
for b in "$BUSYBOX" "$GOSU"; do
    if ldd "$b" >/dev/null 2>&1; then die "$b is dynamically linked; need busybox-static / Debian's static gosu"; fi
done

REDIS_SERVER="$(readlink -f "$(command -v redis-server)")"
REDIS_CLI="$(readlink -f "$(command -v redis-cli)")"
REDIS_BENCHMARK="$(readlink -f "$(command -v redis-benchmark)")"
REDIS_VERSION="$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"

# Every shared object the redis binaries load, plus the dynamic loader, as ldd names them.
mapfile -t LIBS < <(
    for b in "$REDIS_SERVER" "$REDIS_CLI" "$REDIS_BENCHMARK"; do
        ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
    done | sort -u
)
((${#LIBS[@]} > 0)) || die "ldd found no libraries for $REDIS_SERVER"

# The hash covers every file that goes into the image and this script (it defines the layout/config).
input_hash() {
    {
        printf 'image-layout-v1\n'
        sha256sum "${BASH_SOURCE[0]}" "$ENTRYPOINT_SRC" "$REDIS_SERVER" "$REDIS_CLI" "$REDIS_BENCHMARK" \
            "$BUSYBOX" "$GOSU" | awk '{ print $1 }'
        for l in "${LIBS[@]}"; do printf '%s %s\n' "$l" "$(sha256sum <"$(readlink -f "$l")" | awk '{ print $1 }')"; done
    } | sha256sum | awk '{ print $1 }'
}
HASH="$(input_hash)"

# Concurrent runs (several shells, a test set-up) must not build the same tag twice at once.
exec 9>"/tmp/redis-ha-local-image.lock"
flock 9

existing_hash="$(docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$IMAGE" 2>/dev/null || true)"

# --- build ---------------------------------------------------------------------------------------------
# Merged /usr like Debian: /bin, /sbin, /lib, /lib64 are symlinks into /usr.
to_usr() { case "$1" in /usr/*) printf '%s' "${1#/}" ;; /*) printf 'usr%s' "$1" ;; esac; }

assemble_rootfs() {
    local root="$1" l dest
    mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/usr/local/{bin,sbin,etc,lib,share} \
        "$root/$MULTIARCH_LIB" "$root"/{etc,data,tmp,root,home,var/tmp,run,proc,sys,dev}
    ln -s usr/bin "$root/bin"
    ln -s usr/sbin "$root/sbin"
    ln -s usr/lib "$root/lib"
    ln -s usr/lib64 "$root/lib64"
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 700 "$root/root"

    # Redis: one real binary for server/sentinel/check tools, which pick their mode from argv[0].
    install -m 0755 "$REDIS_SERVER" "$root/usr/local/bin/redis-server"
    install -m 0755 "$REDIS_CLI" "$root/usr/local/bin/redis-cli"
    install -m 0755 "$REDIS_BENCHMARK" "$root/usr/local/bin/redis-benchmark"
    for l in redis-sentinel redis-check-aof redis-check-rdb; do ln -s redis-server "$root/usr/local/bin/$l"; done
    install -m 0755 "$GOSU" "$root/usr/local/bin/gosu"
    install -m 0755 "$ENTRYPOINT_SRC" "$root/usr/local/bin/docker-entrypoint.sh"

    for l in "${LIBS[@]}"; do
        dest="$root/$(to_usr "$l")"
        mkdir -p "$(dirname "$dest")"
        cp -L "$l" "$dest"
    done

    # Userland: busybox with a symlink per applet (sh, grep, sed, find, chown, id, ...), all in /usr/bin
    # (on PATH). One --install instead of a fork per applet; its links point at the host's busybox path,
    # which is the image's too on a merged-/usr host.
    install -m 0755 "$BUSYBOX" "$root/usr/bin/busybox"
    "$BUSYBOX" --install -s "$root/usr/bin"
    case "$(readlink "$root/usr/bin/sh")" in
        /usr/bin/busybox | /bin/busybox) ;;
        *) die "busybox --install made sh -> $(readlink "$root/usr/bin/sh"); expected /usr/bin/busybox" ;;
    esac

    cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
redis:x:999:999::/home/redis:/bin/sh
PASSWD
    cat >"$root/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
redis:x:999:
GROUP
    printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
    # Docker bind-mounts its own versions over these at run time.
    : >"$root/etc/hosts"
    : >"$root/etc/resolv.conf"
    : >"$root/etc/hostname"
}

if [[ "$existing_hash" == "$HASH" && "${REDIS_HA_LOCAL_IMAGE_FORCE:-}" != "1" ]]; then
    log "$IMAGE is up to date (inputs hash ${HASH:0:12}); build skipped"
else
    if [[ -z "$existing_hash" ]]; then
        log "building $IMAGE (no image yet)"
    else
        log "rebuilding $IMAGE (inputs hash ${existing_hash:0:12} -> ${HASH:0:12})"
    fi
    old_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
    work="$(mktemp -d /tmp/redis-ha-local-image.XXXXXX)"
    trap 'rm -rf "$work"' EXIT
    assemble_rootfs "$work/root"

    # Deterministic tar: sorted, fixed mtime, owned by root except /data, which belongs to redis (999).
    tar_opts=(--sort=name --mtime=@0 --numeric-owner --format=gnu -C "$work/root")
    tar "${tar_opts[@]}" --owner=0 --group=0 --exclude=./data -cf "$work/rootfs.tar" .
    tar "${tar_opts[@]}" --owner=999 --group=999 -rf "$work/rootfs.tar" ./data

    new_id="$(docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'WORKDIR /data' \
        --change 'VOLUME /data' \
        --change 'EXPOSE 6379' \
        --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
        --change 'CMD ["redis-server"]' \
        --change "LABEL $HASH_LABEL=$HASH" \
        --change "LABEL org.opencontainers.image.version=$REDIS_VERSION" \
        --change 'LABEL org.opencontainers.image.description="local stand-in for the official redis image, from Debian packages"' \
        --message "redis-ha local image from Debian packages" \
        "$work/rootfs.tar" "$IMAGE")"
    log "imported $IMAGE as ${new_id#sha256:}"
    if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
        # Only an unused old image goes; one still referenced by a container stays (untagged).
        if docker image rm "$old_id" >/dev/null 2>&1; then
            log "removed the previous image ${old_id#sha256:}"
        else
            log "the previous image ${old_id#sha256:} is still used by a container; left untagged"
        fi
    fi
fi
flock -u 9
log "image size: $(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.1f MB", $1 / 1e6 }')"

# --- self-check ----------------------------------------------------------------------------------------
CHECK_NAME="redis-ha-image-check-$$"
CHECK_PASSWORD="check-$$-$RANDOM$RANDOM"
cleanup_check() { docker rm -f -v "$CHECK_NAME" >/dev/null 2>&1 || true; }
trap 'cleanup_check; rm -rf "${work:-}"' EXIT

check_fail() {
    echo "build-local-image: SELF-CHECK FAILED: $*" >&2
    docker logs --tail 30 "$CHECK_NAME" >&2 2>&1 || true
    exit 1
}

version="$(docker run --rm "$IMAGE" redis-server --version)" || die "SELF-CHECK FAILED: 'redis-server --version' did not run in $IMAGE"
log "check: redis-server --version -> $version"

# A node as our stack starts one: created with its command, config and password file uploaded before
# start as a tar of plain files (parents created implicitly), like the stack's uploads.
docker create --name "$CHECK_NAME" --label redis-ha.local-image.check=1 "$IMAGE" \
    redis-server /usr/local/etc/redis/redis.conf >/dev/null
stage="$(mktemp -d /tmp/redis-ha-local-image-check.XXXXXX)"
mkdir -p "$stage/usr/local/etc/redis"
cat >"$stage/usr/local/etc/redis/redis.conf" <<CONF
port 6379
protected-mode yes
requirepass "$CHECK_PASSWORD"
dir /data
save ""
appendonly yes
CONF
printf '%s' "$CHECK_PASSWORD" >"$stage/usr/local/etc/redis/auth"
chmod 600 "$stage/usr/local/etc/redis/auth"
tar --owner=0 --group=0 --numeric-owner -C "$stage" -cf - usr/local/etc/redis/redis.conf usr/local/etc/redis/auth |
    docker cp - "$CHECK_NAME:/"
rm -rf "$stage"
docker start "$CHECK_NAME" >/dev/null

# Poll for PING with the password passed through the environment (independent of --askpass).
cli() { docker exec -e REDISCLI_AUTH="$CHECK_PASSWORD" "$CHECK_NAME" redis-cli -p 6379 "$@" 2>&1; }
deadline=$((SECONDS + 30))
last=""
until [[ "$last" == "PONG" ]]; do
    [[ "$(docker inspect --format '{{.State.Running}}' "$CHECK_NAME")" == "true" ]] || check_fail "the container exited"
    ((SECONDS < deadline)) || check_fail "no PONG within 30s (last answer: $last)"
    last="$(cli ping || true)"
    [[ "$last" == "PONG" ]] || sleep 0.05
done
log "check: redis-cli ping -> PONG"

uid_line="$(docker exec "$CHECK_NAME" grep '^Uid:' /proc/1/status)"
read -r _ ruid euid _ <<<"$uid_line"
[[ "$ruid" == "999" && "$euid" == "999" ]] || check_fail "redis-server runs as uid ${ruid}/${euid}, expected 999 ($uid_line)"
log "check: redis-server (pid 1) runs as uid 999"

[[ "$(cli save)" == "OK" ]] || check_fail "SAVE failed: /data is not writable for redis"
owner="$(docker exec "$CHECK_NAME" stat -c '%u:%a' /data/dump.rdb)" || check_fail "SAVE wrote no /data/dump.rdb"
[[ "$owner" == "999:600" ]] || check_fail "/data/dump.rdb is ${owner} (uid:mode), expected 999:600 (umask 0077)"
log "check: SAVE -> /data/dump.rdb owned by redis, mode 600"

# The stack's healthcheck reads the password from a file with --askpass (argv and env stay clean).
askpass="$(docker exec "$CHECK_NAME" sh -c 'redis-cli --no-auth-warning --askpass -p 6379 ping < /usr/local/etc/redis/auth' 2>&1 || true)"
[[ "$askpass" == "PONG" ]] || check_fail "redis-cli --askpass ping < password file answered: $askpass"
wrong="$(docker exec "$CHECK_NAME" sh -c 'echo wrong-password | redis-cli --no-auth-warning --askpass -p 6379 ping' 2>&1 || true)"
[[ "$wrong" != "PONG" ]] || check_fail "redis-cli --askpass with a wrong password still got PONG"
log "check: redis-cli --askpass -p 6379 ping < auth -> PONG (a wrong password is refused: ${wrong//$'\n'/ })"

log "self-check passed; $IMAGE ready ($((SECONDS - START_S))s)"
