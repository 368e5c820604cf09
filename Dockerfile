# One image for the three services; docker-compose.yml picks one with its command:
#   docker run IMAGE ingest | store | enrich | health | tail ...
#
# Build stage: uv installs the exact versions of the committed uv.lock into /app/.venv.
# Runtime stage: that venv on the same base image (its python symlink points at
# /usr/local/bin/python3.11 in both), no uv, no build tools, a non-root user.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build

RUN pip install --no-cache-dir --disable-pip-version-check uv==0.13.8

# Compiled bytecode now: the runtime user cannot write __pycache__ into the root-owned venv.
# No cache: nothing to keep between builds here (no BuildKit cache mount, so that
# the classic builder of docker-compose 1.x builds this file too).
# Never download a Python: use the base image's, which the runtime stage has too.
ENV UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /src

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project

# Then the project itself, as a regular (non-editable) install: the runtime stage
# copies only the venv, not the sources.
COPY newswire ./newswire
COPY services ./services
COPY newswire_cli ./newswire_cli
COPY newswire_tools ./newswire_tools
RUN uv sync --locked --no-dev --no-editable


FROM ${PYTHON_IMAGE}

ARG NEWSWIRE_UID=10001
RUN groupadd --system --gid "${NEWSWIRE_UID}" newswire \
    && useradd --system --uid "${NEWSWIRE_UID}" --gid newswire --create-home --home-dir /home/newswire newswire

COPY --from=build /app/.venv /app/.venv

ENV PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# A writable working directory: relative defaults (NEWSWIRE_DATA_DIR=data) resolve here.
WORKDIR /home/newswire
USER newswire

ENTRYPOINT ["newswire"]
