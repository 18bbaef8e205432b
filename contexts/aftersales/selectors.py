"""After-sales reads. A buyer's request is looked up through the buyer, a shop's through the
shops the caller handles: anyone else's is simply not found."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from contexts.aftersales.models import AftersalesRequest, RequestLog, RequestMessage
from contexts.aftersales.services._common import MANAGE, not_found
from shared.auth import Principal


def requests_of_buyer(*, buyer_id: int, status: str | None = None) -> QuerySet[AftersalesRequest]:
    rows = AftersalesRequest.objects.filter(buyer_id=buyer_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-id")


def _with_thread(rows: QuerySet[AftersalesRequest]) -> QuerySet[AftersalesRequest]:
    return rows.prefetch_related(
        Prefetch("logs", queryset=RequestLog.objects.order_by("id")),
        Prefetch("messages", queryset=RequestMessage.objects.order_by("id")),
    )


def request_of_buyer(*, buyer_id: int, request_no: str) -> AftersalesRequest:
    found = (
        _with_thread(AftersalesRequest.objects.filter(buyer_id=buyer_id))
        .filter(request_no=request_no)
        .first()
    )
    if found is None:
        raise not_found()
    return found


def request_queue(
    *,
    principal: Principal,
    status: str | None = None,
    kind: str | None = None,
    merchant_id: int | None = None,
    order_no: str | None = None,
    buyer_id: int | None = None,
) -> QuerySet[AftersalesRequest]:
    """The requests of the shops the caller handles (aftersales.manage), newest first."""
    rows = principal.filter(AftersalesRequest.objects.all(), MANAGE)
    for field, value in (
        ("status", status),
        ("kind", kind),
        ("merchant_id", merchant_id),
        ("order_no", order_no),
        ("buyer_id", buyer_id),
    ):
        if value:
            rows = rows.filter(**{field: value})
    return rows.order_by("-id")


def request_for_staff(*, principal: Principal, request_no: str) -> AftersalesRequest:
    found = _with_thread(request_queue(principal=principal)).filter(request_no=request_no).first()
    if found is None:
        raise not_found()
    return found
