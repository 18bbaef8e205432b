#!/usr/bin/env bash
# Create .venv and install the pinned dependencies (plus test extras with --test).
# mysqlclient compiles against libmariadb-dev; install it with apt when we are root and it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing libmariadb-dev (needed to build mysqlclient)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libmariadb-dev pkg-config gcc >/dev/null
  else
    echo "libmariadb-dev (or libmysqlclient-dev) and pkg-config are needed to build mysqlclient" >&2
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed$(echo "$extras" | tr -d '[]')"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== installing dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/pip install -q --disable-pip-version-check -e ".${extras}"
  touch "$stamp"
fi
