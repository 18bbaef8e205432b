#!/usr/bin/env bash
# Create .venv and install the pinned dependencies.
#   scripts/bootstrap.sh            the base only: the embedded default (SQLite), no compiler needed
#   scripts/bootstrap.sh --mysql    plus the MySQL/MariaDB driver (the `mysql` extra)
#   scripts/bootstrap.sh --test     plus the driver and the test tools (`test` and `mysql` extras)
# mysqlclient compiles against libmariadb-dev; with an extra that needs it, install the headers
# with apt when we are root and they are absent.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
case "${1:-}" in
  "") extras="" ;;
  --mysql) extras="[mysql]" ;;
  --test) extras="[test,mysql]" ;;
  *) echo "usage: $0 [--mysql|--test]" >&2; exit 2 ;;
esac

if [[ "$extras" == *mysql* ]] \
  && ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing libmariadb-dev (needed to build mysqlclient)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libmariadb-dev pkg-config gcc >/dev/null
  else
    echo "libmariadb-dev (or libmysqlclient-dev), pkg-config and a C compiler are needed to" \
      "build mysqlclient: install them (e.g. sudo apt-get install libmariadb-dev pkg-config gcc)" >&2
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed$(echo "$extras" | tr -d '[],')"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== installing dependencies into .venv${extras:+ (extras $extras)}"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/pip install -q --disable-pip-version-check -e ".${extras}"
  touch "$stamp"
fi
