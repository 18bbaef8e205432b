"""How a review's non-key fields and reply are laid out inside a document (shared by the
adapters, so a review reads back the same from each)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contexts.catalog.ports import Review, ReviewReply


def review_body(review: Review) -> dict[str, Any]:
    """The part of a review that is not an indexed key."""
    return {"text": review.text, "images": list(review.images), "spec": review.spec}


def reply_to_doc(reply: ReviewReply) -> dict[str, Any]:
    return {"text": reply.text, "user_id": reply.user_id, "replied_at": reply.replied_at}


def reply_from_doc(doc: Mapping[str, Any] | None) -> ReviewReply | None:
    if not doc:
        return None
    replied_at = doc["replied_at"]
    if isinstance(replied_at, str):
        replied_at = datetime.fromisoformat(replied_at)
    return ReviewReply(text=doc["text"], user_id=int(doc["user_id"]), replied_at=replied_at)
