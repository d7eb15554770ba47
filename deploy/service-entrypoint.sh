#!/bin/sh
# Entrypoint of every Switchboard service image.
#
#   service-entrypoint [serve]   migrate (unless MIGRATE_ON_START=0), then serve on :8000
#   service-entrypoint CMD...    run CMD instead, e.g. `switchboard-auth keygen /keys/k.pem`
#
# The image sets SERVICE_NAME (its console script is `switchboard-$SERVICE_NAME`, which has a
# `migrate` subcommand) and SERVICE_APP (the ASGI app factory). Where several replicas start at
# once (docker-compose.prod.yml, Kubernetes) a single migration step runs first and the
# replicas set MIGRATE_ON_START=0: Alembic takes no lock, so two replicas migrating at the same
# moment would race.
set -eu

: "${SERVICE_NAME:?the image must set SERVICE_NAME}"
: "${SERVICE_APP:?the image must set SERVICE_APP}"

if [ "$#" -gt 0 ] && [ "$1" != serve ]; then
    exec "$@"
fi

if [ "${MIGRATE_ON_START:-1}" = 1 ]; then
    echo "service-entrypoint | $SERVICE_NAME: applying migrations"
    "switchboard-$SERVICE_NAME" migrate
fi

# exec: uvicorn becomes PID 1 and gets SIGTERM itself, for a graceful shutdown.
# Forwarded headers: only the gateway can reach a service (compose network, cluster Service),
# so its X-Forwarded-* are trusted from any peer unless FORWARDED_ALLOW_IPS narrows it.
# No access log: Traefik writes one line per request.
exec uvicorn "$SERVICE_APP" --factory \
    --host 0.0.0.0 --port 8000 \
    --proxy-headers --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-*}" \
    --no-access-log
