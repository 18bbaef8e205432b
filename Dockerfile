# syntax=docker/dockerfile:1
#
# Production image of the e-commerce platform.
#   docker build -t ecommerce:latest .
# Default command: gunicorn serving ecommerce.wsgi on :8000. The same image runs the relay
# (`python manage.py relay_events`), the Celery worker and beat; see docker-compose.yml and
# deploy/k8s/.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
# builder: compile wheels of the runtime dependencies ([project].dependencies plus the `mysql`
# extra, no test extras). mysqlclient has no Linux wheels, so it needs a C toolchain and the
# MariaDB headers.
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential \
        gcc \
        libc6-dev \
        libmariadb-dev \
        pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY pyproject.toml ./

# The pinned runtime requirements and the production driver extra, read straight from
# pyproject.toml (tomllib is stdlib in 3.11).
RUN python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["mysql"]))' \
        > requirements.txt \
    && cat requirements.txt \
    && pip wheel --wheel-dir /wheels -r requirements.txt

# ---------------------------------------------------------------------------------------------
# runtime: slim image with the MariaDB client library only (no compilers, no headers).
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=settings.base \
    STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=4

RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/*

# Fixed uid/gid so Kubernetes (runAsNonRoot / runAsUser: 10001) can verify the user.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# Install from the builder's wheels only (bind mount: the wheels never land in a layer).
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    --mount=type=bind,from=builder,source=/build/requirements.txt,target=/tmp/requirements.txt \
    pip install --no-index --find-links=/wheels -r /tmp/requirements.txt

WORKDIR /app
# Code stays root-owned (read-only for the app user); see .dockerignore for what is left out.
COPY . /app

# Static files are collected at build time into $STATIC_ROOT (no database or services needed;
# the key below exists only for this build step).
RUN SECRET_KEY=collectstatic-build-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER 10001:10001

EXPOSE 8000

# No curl in slim: probe liveness with the standard library. urlopen raises on non-2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# sh -c so ${WEB_CONCURRENCY:-4} is expanded; exec so gunicorn is PID 1 and gets SIGTERM.
CMD ["sh", "-c", "exec gunicorn ecommerce.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-4} --worker-tmp-dir /dev/shm --access-logfile -"]
