#!/usr/bin/env bash
# Run the product on the embedded default (SQLite, local-memory cache, eager Celery, in-process
# events, local media) with demo data, serving the API on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=settings.base
export DEBUG=${DEBUG:-true}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo_data
.venv/bin/python manage.py collectstatic --noinput -v0
echo "== serving on http://127.0.0.1:8000 (API docs: http://127.0.0.1:8000/api/docs/)"
# `serve` is runserver plus the beat schedule in a thread: unpaid orders are cancelled and
# reservations expire without a separate Celery beat.
exec .venv/bin/python manage.py serve 127.0.0.1:8000
