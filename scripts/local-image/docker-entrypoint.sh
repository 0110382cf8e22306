#!/bin/sh
# Entrypoint of the local stand-in for the official redis image; behaves like upstream's:
# options or a *.conf as first argument mean "run redis-server with them", and a server started as root
# takes ownership of its data and drops to the redis user (uid 999).
set -e

# first arg is `-f` or `--some-option`, or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# allow the container to be started with `--user`; upstream does this for redis-server only, this image
# also for redis-sentinel (same binary), so a sentinel never runs as root here either.
if { [ "$1" = 'redis-server' ] || [ "$1" = 'redis-sentinel' ]; } && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec gosu redis "$0" "$@"
fi

# set an appropriate umask (if one isn't set already), like upstream and redis' own systemd unit
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
