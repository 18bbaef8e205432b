"""Telling members what became of their group, through the GROUPBUY_NOTIFIER port, after the
change committed. A failed delivery is logged and never undoes the group's outcome."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from contexts.groupbuy.ports import Notifier
from contexts.identity import api as identity_api
from shared.ports import adapter

logger = logging.getLogger(__name__)


def notifier() -> Notifier:
    return adapter("GROUPBUY_NOTIFIER")


def members_notify(
    *,
    recipients: Iterable[tuple[int, str]],
    template: str,
    group_no: str,
    activity: str,
    outcomes: Mapping[str, str],
) -> int:
    """Email each (user id, order no) that has an email address; returns how many were sent."""
    recipients = list(recipients)
    users = identity_api.get_users(user_ids=[user_id for user_id, _ in recipients])
    sent = 0
    for user_id, order_no in recipients:
        user = users.get(user_id)
        if user is None or not user.email:
            continue
        try:
            notifier().notification_send(
                channel="email",
                to=user.email,
                template=template,
                context={
                    "group_no": group_no,
                    "activity": activity,
                    "order_no": order_no,
                    "outcome": outcomes.get(order_no, ""),
                },
            )
            sent += 1
        except Exception:  # one buyer's mail never stops the others'
            logger.exception(
                "group buy notification failed",
                extra={"group_no": group_no, "user_id": user_id, "template": template},
            )
    return sent
