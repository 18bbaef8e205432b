"""Public numbers for orders, payments, refunds: time-ordered and unique across threads,
processes and (with ID_GENERATOR_NODE set per host) machines.

Layout of the decimal string: 17 digits of UTC time to the millisecond (YYYYMMDDHHMMSSfff),
3 digits of node, 7 digits of process id, 3 digits of per-millisecond sequence.

The node is ID_GENERATOR_NODE when set (give each host or replica its own, e.g. a StatefulSet
ordinal); otherwise it is derived from the host name, because in containers every replica's
main process is pid 1 and the pid alone would not tell them apart.
Sorting the strings sorts by time. Two processes on one host never collide because their pids
differ while both are alive; a process that exhausts 1000 numbers in one millisecond waits for
the next millisecond; a clock that steps back is waited out.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
import threading
import time
from datetime import UTC, datetime

_lock = threading.Lock()
_state = {"pid": None, "last_ms": 0, "seq": 0}
SEQUENCE_PER_MS = 1000


def _node() -> int:
    configured = os.environ.get("ID_GENERATOR_NODE", "")
    if configured.strip():
        return int(configured) % 1000
    return _host_node()


@functools.cache
def _host_node() -> int:
    digest = hashlib.blake2b(socket.gethostname().encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % 1000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def next_public_id(prefix: str = "") -> str:
    """Return the next public number, e.g. `prefix + "2026112510301234500001234567001"`."""
    with _lock:
        pid = os.getpid()
        if _state["pid"] != pid:  # forked child: start its own sequence
            _state.update(pid=pid, last_ms=0, seq=0)
        now = _now_ms()
        if now < _state["last_ms"]:
            now = _state["last_ms"]  # clock stepped back: keep counting within the last ms
        if now == _state["last_ms"]:
            _state["seq"] += 1
            if _state["seq"] >= SEQUENCE_PER_MS:
                while now <= _state["last_ms"]:
                    time.sleep(0.0001)
                    now = _now_ms()
                _state["seq"] = 0
        else:
            _state["seq"] = 0
        _state["last_ms"] = now
        seq = _state["seq"]
    stamp = datetime.fromtimestamp(now / 1000, tz=UTC)
    return (
        f"{prefix}{stamp:%Y%m%d%H%M%S}{stamp.microsecond // 1000:03d}"
        f"{_node():03d}{pid % 10_000_000:07d}{seq:03d}"
    )
