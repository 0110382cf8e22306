#!/usr/bin/env bash
# Builds the Pulumi CLI from its Go module once and caches it by version, for machines without a normal
# Pulumi install (a user who installed Pulumi the usual way needs none of this). Idempotent: a cached
# binary that reports its version is reused. Prints the directory holding `pulumi` on stdout (progress
# goes to stderr), so callers can do: PATH="$(bash scripts/install-pulumi.sh):$PATH".
#
# The CLI is github.com/pulumi/pulumi/pkg/v3/cmd/pulumi. `go install …@v` refuses it (its go.mod has
# replace directives), so it is built inside a throw-away wrapper module, with sdk/v3 pinned to the same
# version and the version stamped in with -ldflags (the Automation API refuses a CLI without one).
# Only the CLI is built: the Node.js language host (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not
# served by the Go module proxy, so stacks run through the Automation API's inline programs instead.
#
# PULUMI_VERSION defaults to the @pulumi/pulumi version pinned in package.json; REDIS_HA_PULUMI_CACHE
# overrides the cache root (default ~/.cache/redis-ha/pulumi).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
version="${PULUMI_VERSION:-v$(node -p 'require("./package.json").dependencies["@pulumi/pulumi"]')}"
[[ "$version" == v* ]] || version="v$version"
dir="${REDIS_HA_PULUMI_CACHE:-$HOME/.cache/redis-ha/pulumi}/$version"
bin="$dir/pulumi"

reports_version() { [[ -x "$bin" ]] && [[ "$("$bin" version 2>/dev/null)" == "$version" ]]; }

# Dynamic providers run in `pulumi-resource-pulumi-nodejs`, which a normal Pulumi install ships beside
# the CLI, where the engine looks for bundled plugins. Ours (scripts/pulumi-resource-pulumi-nodejs) is
# @pulumi/pulumi's npm script with one Node.js start less; it too runs the SDK of the project it is started in.
# Beside it goes the preload that spares it TypeScript's load (scripts/lazy-typescript.js says why).
place_nodejs_plugin() {
    local f
    for f in pulumi-resource-pulumi-nodejs lazy-typescript.js; do
        cmp -s "scripts/$f" "$dir/$f" || install -m 755 "scripts/$f" "$dir/$f"
    done
}

if reports_version; then
    place_nodejs_plugin
    echo "pulumi $version: cached in $dir" >&2
    echo "$dir"
    exit 0
fi

command -v go >/dev/null || { echo "install-pulumi: go is needed to build the Pulumi CLI (Go >= 1.26, as pkg/v3's go.mod asks)" >&2; exit 1; }
work="$(mktemp -d /tmp/redis-ha-pulumi-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
echo "pulumi $version: building from the Go module in $work (several minutes the first time)" >&2
start=$SECONDS
(
    cd "$work"
    go mod init redis-ha/pulumi-cli >/dev/null 2>&1
    go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$version" "github.com/pulumi/pulumi/sdk/v3@$version" >&2
    mkdir -p "$dir"
    go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
        -o "$dir/.pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
    # Replace atomically, so an interrupted build never leaves a half-written binary in the cache.
    mv -f "$dir/.pulumi.partial" "$bin"
)
place_nodejs_plugin
reports_version || { echo "install-pulumi: built $bin but \`pulumi version\` does not report $version" >&2; exit 1; }
echo "pulumi $version: built in $((SECONDS - start)) s into $dir" >&2
echo "$dir"
