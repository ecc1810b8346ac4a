#!/bin/sh
# Starts mini-broker with the image's server.properties; KAFKA_* environment variables override it.
# With MINI_BROKER_WAIT_FOR set (Testcontainers), waits for that file and adds each key=value line
# in it as an --override: the advertised address is known only once the port is mapped.
set -eu
set -- /opt/mini-broker/server.properties "$@"
if [ -n "${MINI_BROKER_WAIT_FOR:-}" ]; then
  i=0
  while [ ! -s "$MINI_BROKER_WAIT_FOR" ] && [ "$i" -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  while IFS= read -r line; do
    [ -n "$line" ] && set -- "$@" --override "$line"
  done < "$MINI_BROKER_WAIT_FOR"
fi
# The class-data-sharing archive recorded when the image was built (see the Dockerfile).
# shellcheck disable=SC2086
exec java -XX:SharedArchiveFile=/opt/mini-broker/mini-broker.jsa $JAVA_OPTS \
  -jar /opt/mini-broker/mini-broker.jar "$@"
