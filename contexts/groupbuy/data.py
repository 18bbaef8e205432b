"""Plain data group buy's api returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class GroupInfo:
    group_no: str
    activity_id: int
    status: str
    size: int
    paid_count: int
    deadline: datetime
    order_nos: tuple[str, ...]
