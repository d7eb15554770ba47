# syntax=docker/dockerfile:1
# The image of every Switchboard service and of the docs portal: one Dockerfile, the service
# named by build arguments. Build from the repository root, the uv workspace:
#
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=inventory -t switchboard/inventory .
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=auth --build-arg KEY_DIR=/keys \
#       -t switchboard/auth .
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=portal \
#       --build-arg SERVICE_DIR=gateway/portal --build-arg MIGRATE_ON_START=0 -t switchboard/portal .
#
# The compose files pass these from each service's service.toml (`sbctl generate` writes them).
#
# Stage `build` installs the service and its locked dependencies (uv.lock, no dev tools) into
# /app/.venv as ordinary, non-editable packages; the final stage copies only that venv, the
# entrypoint and the provisioning script, and runs as an unprivileged user. Commands: `serve`
# (the default: migrate, then uvicorn on :8000), or any command, such as
# `switchboard-auth keygen /keys/auth-ed25519.pem` or `python /app/deploy/provision.py auth`.

FROM ghcr.io/astral-sh/uv:0.13.8 AS uv

FROM python:3.11-slim AS build
# The service: its package is switchboard-$SERVICE, in $SERVICE_DIR.
ARG SERVICE
ARG SERVICE_DIR=services/${SERVICE}
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, from the lock and the pyproject files alone, so this layer is rebuilt
# only when they change, not on every source edit. Other workspace members are not needed.
COPY pyproject.toml uv.lock ./
COPY libs/switchkit/pyproject.toml libs/switchkit/
COPY ${SERVICE_DIR}/pyproject.toml ${SERVICE_DIR}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package switchboard-${SERVICE}
# The kit's source even for a package that does not depend on it (the portal): uv installs
# only what the package needs.
COPY libs/switchkit libs/switchkit
COPY ${SERVICE_DIR} ${SERVICE_DIR}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package switchboard-${SERVICE}

FROM python:3.11-slim
ARG SERVICE
ARG SERVICE_APP=${SERVICE}.main:create_app
# A service that signs tokens keeps its key there (a service.toml with uses.signs_tokens).
ARG KEY_DIR=
# 0 for a package without a database (the portal): nothing to migrate.
ARG MIGRATE_ON_START=1
# A fixed numeric uid, so Kubernetes' runAsNonRoot can check it. KEY_DIR belongs to it: a
# named volume mounted there starts with this owner, so the keygen one-shot can write the key.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app \
    && if [ -n "$KEY_DIR" ]; then install -d -o 10001 -g 10001 -m 0700 "$KEY_DIR"; fi
COPY --from=build /app/.venv /app/.venv
COPY --chmod=0755 deploy/service-entrypoint.sh /usr/local/bin/service-entrypoint
# In every image, so the one-shot that provisions every service's role can run from any.
COPY deploy/provision.py /app/deploy/provision.py
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SERVICE_NAME=${SERVICE} \
    SERVICE_APP=${SERVICE_APP} \
    MIGRATE_ON_START=${MIGRATE_ON_START}
WORKDIR /app
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["service-entrypoint"]
CMD ["serve"]
