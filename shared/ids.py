"""Public numbers for orders, payments, refunds: time-ordered and unique across threads,
processes and (with ID_GENERATOR_NODE set per host) machines.

Layout of the decimal string: 17 digits of UTC time to the millisecond (YYYYMMDDHHMMSSfff),
3 digits of configured node, 7 digits of process id, 3 digits of per-millisecond sequence.
Sorting the strings sorts by time. Two processes on one host never collide because their pids
differ while both are alive; a process that exhausts 1000 numbers in one millisecond waits for
the next millisecond; a clock that steps back is waited out.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

_lock = threading.Lock()
_state = {"pid": None, "last_ms": 0, "seq": 0}
SEQUENCE_PER_MS = 1000


def _node() -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, "ID_GENERATOR_NODE", 0)) % 1000
    except Exception:  # settings not configured (scripts)
        return int(os.environ.get("ID_GENERATOR_NODE", "0")) % 1000


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
