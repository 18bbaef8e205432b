"""After-sales rules without Django: request kinds, one state machine per kind, reason codes,
evidence keys.

Every status change of a request goes through `check_transition` with the request's kind; a
change the kind's table does not list is a 409 `illegal_transition`.

The flows (README, "After-sales"):
  refund_only    requested -> approved -> refunding -> refunded | refund_failed (-> refunding)
  return_refund  requested -> approved -> return_shipped -> inspected -> refunding -> refunded
  exchange       requested -> approved -> return_shipped -> inspected -> completed (re-shipped)
  repair         requested -> approved -> return_shipped -> inspected -> completed (sent back)
(return_shipped -> return_received when logistics tracks the parcel delivered to the merchant;
inspection follows either.)
Rejections (at review, or a failed inspection) end in `rejected`, which staff arbitration
turns into approved / refunding / inspected (for the buyer) or closed (for the merchant). The
buyer may withdraw while nothing was shipped back nor refunded; a return the buyer does not ship
in time is closed.
"""

from __future__ import annotations

import re
from enum import StrEnum

from shared.errors import Conflict, ValidationFailed


class Kind(StrEnum):
    REFUND_ONLY = "refund_only"
    RETURN_REFUND = "return_refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"


class Status(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURN_SHIPPED = "return_shipped"
    RETURN_RECEIVED = "return_received"
    INSPECTED = "inspected"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REFUND_FAILED = "refund_failed"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Reason(StrEnum):
    NOT_RECEIVED = "not_received"
    NOT_AS_DESCRIBED = "not_as_described"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    MISSING_PARTS = "missing_parts"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


S = Status
K = Kind

_REVIEW = {S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN})}
_REFUND = {
    S.REFUNDING: frozenset({S.REFUNDED, S.REFUND_FAILED}),
    S.REFUND_FAILED: frozenset({S.REFUNDING, S.CLOSED}),
}
_RETURN = {
    S.APPROVED: frozenset({S.RETURN_SHIPPED, S.WITHDRAWN, S.CLOSED}),
    # The carrier's tracking says the parcel reached the merchant: awaiting inspection. The
    # merchant may inspect without it (a carrier that never reports delivery).
    S.RETURN_SHIPPED: frozenset({S.RETURN_RECEIVED, S.INSPECTED, S.REJECTED}),
    S.RETURN_RECEIVED: frozenset({S.INSPECTED, S.REJECTED}),
}
_END: dict[Status, frozenset[Status]] = {
    s: frozenset() for s in (S.REFUNDED, S.COMPLETED, S.WITHDRAWN, S.CLOSED)
}

TRANSITIONS: dict[Kind, dict[Status, frozenset[Status]]] = {
    K.REFUND_ONLY: {
        **_REVIEW,
        S.APPROVED: frozenset({S.REFUNDING, S.WITHDRAWN}),
        S.REJECTED: frozenset({S.APPROVED, S.CLOSED}),
        **_REFUND,
        **_END,
    },
    K.RETURN_REFUND: {
        **_REVIEW,
        **_RETURN,
        S.INSPECTED: frozenset({S.REFUNDING}),
        # Arbitration: approve a request rejected at review, refund one whose goods failed
        # inspection, or close it.
        S.REJECTED: frozenset({S.APPROVED, S.REFUNDING, S.CLOSED}),
        **_REFUND,
        **_END,
    },
    K.EXCHANGE: {
        **_REVIEW,
        **_RETURN,
        S.INSPECTED: frozenset({S.COMPLETED}),
        S.REJECTED: frozenset({S.APPROVED, S.INSPECTED, S.CLOSED}),
        **_END,
    },
    K.REPAIR: {
        **_REVIEW,
        **_RETURN,
        S.INSPECTED: frozenset({S.COMPLETED}),
        S.REJECTED: frozenset({S.APPROVED, S.INSPECTED, S.CLOSED}),
        **_END,
    },
}

REFUND_KINDS = frozenset({K.REFUND_ONLY, K.RETURN_REFUND})
RETURN_KINDS = frozenset({K.RETURN_REFUND, K.EXCHANGE, K.REPAIR})
# Requests still running: a line's units in them are not free for another request.
OPEN_STATUSES = frozenset(
    {
        S.REQUESTED,
        S.APPROVED,
        S.RETURN_SHIPPED,
        S.RETURN_RECEIVED,
        S.INSPECTED,
        S.REFUNDING,
        S.REFUND_FAILED,
    }
)
# Open requests whose units ordering's line ledger does not hold yet (a refund takes them there
# when it is asked for): counted on top of the ledger's, never twice.
UNITS_OUTSIDE_LEDGER = OPEN_STATUSES - {S.REFUNDING, S.REFUND_FAILED}
# The buyer may withdraw while nothing was shipped back nor refunded.
WITHDRAWABLE = frozenset({S.REQUESTED, S.APPROVED})

# Order statuses each kind may be asked for: a refund alone before shipment (or for goods
# that never arrived), goods back only once they were sent.
_SENT = frozenset({"shipped", "delivered", "completed"})
ORDER_STATUSES_FOR: dict[Kind, frozenset[str]] = {
    K.REFUND_ONLY: frozenset({"paid", "shipped", "delivered", "completed"}),
    K.RETURN_REFUND: _SENT,
    K.EXCHANGE: _SENT,
    K.REPAIR: _SENT,
}


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
    default_message = "The after-sales request cannot change to that status from its current one."


def can_transition(kind: str, current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Kind(kind)].get(Status(current), frozenset())


def check_transition(kind: str, current: str, target: str) -> None:
    """Raise IllegalTransition (409) unless the kind's table allows `current -> target`."""
    if not can_transition(kind, current, target):
        raise IllegalTransition(
            f"A {kind} request that is {current} cannot become {target}.",
            details={"kind": str(kind), "from": str(current), "to": str(target)},
        )


# Evidence: keys of images in the media storage (the catalog's: settings.STORAGES["default"]),
# e.g. "aftersales/2026/12/<32 hex>.jpg" as the upload gives them, never a URL or a path that
# climbs out of the storage.
EVIDENCE_MAX = 9
_EVIDENCE_KEY = re.compile(r"^(aftersales|catalog)/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|gif|webp)$")


def check_evidence(keys: list[str]) -> list[str]:
    """The evidence keys, de-duplicated in order; 400 validation_error for more than
    EVIDENCE_MAX or a key that is not a stored image's."""
    unique = list(dict.fromkeys(keys))
    if len(unique) > EVIDENCE_MAX:
        raise ValidationFailed(
            f"At most {EVIDENCE_MAX} images.",
            details={"fields": {"evidence": [f"At most {EVIDENCE_MAX} images."]}},
        )
    bad = [key for key in unique if not isinstance(key, str) or not _EVIDENCE_KEY.match(key)]
    if bad:
        raise ValidationFailed(
            "Evidence must be keys of uploaded images.",
            details={"fields": {"evidence": ["Not an uploaded image's key."]}},
        )
    return unique
