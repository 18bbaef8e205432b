"""A request's life: the buyer applies, the merchant reviews, the goods come back and are
inspected, the money goes back or the goods are re-sent; the buyer may withdraw early, staff
arbitrate a rejection. Each command locks the request, checks the kind's state machine, logs
the change and publishes its event in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from contexts.aftersales import domain
from contexts.aftersales.domain import Kind, Status
from contexts.aftersales.events import RequestCreated
from contexts.aftersales.models import AftersalesRequest, RequestLog
from contexts.aftersales.services._common import (
    ARBITRATE,
    BUYER,
    STAFF,
    SYSTEM,
    actor_of,
    event_fields,
    lock,
    lock_for_merchant,
    move,
    not_found,
)
from contexts.aftersales.services.refunds import refund_give_up, refund_reference, refund_start
from contexts.inventory import api as inventory_api
from contexts.logistics import api as logistics_api
from contexts.ordering import api as ordering_api
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.ids import next_public_id
from shared.money import ZERO

NUMBER_PREFIX = "AS"


def _days(name: str, default: int) -> timedelta:
    return timedelta(days=getattr(settings, name, default))


def review_due() -> timedelta:
    """How long the merchant has to answer before the request is approved for them."""
    return _days("AFTERSALES_REVIEW_DAYS", 2)


def return_due() -> timedelta:
    """How long the buyer has to ship an approved return before it is closed."""
    return _days("AFTERSALES_RETURN_SHIP_DAYS", 7)


def window() -> timedelta:
    """How long after completion an order still takes after-sales requests."""
    return _days("AFTERSALES_WINDOW_DAYS", 15)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"fields": {field: [message]}})


@dataclass(frozen=True)
class Application:
    """What the buyer asks for. The line is named by its id, or (line_id None) by its SKU: an
    order holds one paid line per SKU."""

    order_no: str
    line_id: int | None
    kind: str
    quantity: int
    reason_code: str
    description: str = ""
    evidence: tuple[str, ...] = ()
    # The refund asked for; None: the most these units may give back.
    amount: Decimal | None = None
    sku_id: int | None = None


def _carrier(code: str) -> str:
    code = (code or "").strip().lower()
    if code not in logistics_api.carrier_codes():
        raise _invalid("carrier_code", "Not an enabled carrier.")
    return code


def _units_in_open_requests(order_no: str, line_id: int) -> int:
    # A refunding request's units are in the ledger's taken_quantity already.
    return (
        AftersalesRequest.objects.filter(
            order_no=order_no, line_id=line_id, status__in=domain.UNITS_OUTSIDE_LEDGER
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )


@transaction.atomic
def request_apply(*, principal: Principal, application: Application) -> AftersalesRequest:
    """A buyer asks for after-sales on a line of one of their orders.

    Rules: the order is the buyer's (404 otherwise) and in a status the kind accepts (409
    order_not_eligible: a refund alone from payment on, goods back once shipped; 409
    aftersales_window_closed past AFTERSALES_WINDOW_DAYS after completion); the units are
    left on the line beyond those refunded and those in the buyer's open requests (422
    quantity_exceeds_line); a refund asks at most what these units may give back (422
    amount_exceeds_refundable; none given: exactly that); evidence is image keys (400).
    The merchant has AFTERSALES_REVIEW_DAYS to answer."""
    if principal.user_id is None:
        raise NotFound("Order not found.")
    a = application
    try:
        kind = Kind(a.kind)
    except ValueError:
        raise _invalid("kind", "Not a request kind.") from None
    if a.reason_code not in domain.Reason.__members__.values():
        raise _invalid("reason_code", "Not a reason code.")
    if isinstance(a.quantity, bool) or not isinstance(a.quantity, int) or a.quantity < 1:
        raise _invalid("quantity", "Must be a positive integer.")
    evidence = domain.check_evidence(list(a.evidence))
    # Locked: two requests for one line are decided one after the other.
    order = ordering_api.order_line_refundable(order_no=a.order_no, lock=True)
    if order is None or order.buyer_id != principal.user_id:
        raise NotFound("Order not found.")
    if a.line_id is None:
        line = next((x for x in order.lines if x.sku_id == a.sku_id and not x.gift), None)
    else:
        line = order.line(a.line_id)
    if line is None or line.gift:
        raise NotFound("Order line not found.")
    if order.status not in domain.ORDER_STATUSES_FOR[kind]:
        raise Conflict(
            f"A {kind} request cannot be made for an order that is {order.status}.",
            code="order_not_eligible",
            details={"status": order.status},
        )
    now = timezone.now()
    if order.completed_at is not None and now > order.completed_at + window():
        raise Conflict(
            "The after-sales window of this order has closed.", code="aftersales_window_closed"
        )
    free_units = (
        line.quantity - line.taken_quantity - _units_in_open_requests(order.order_no, line.line_id)
    )
    if a.quantity > free_units:
        raise BusinessRuleViolation(
            "More units than are left on this line.",
            code="quantity_exceeds_line",
            details={"available_quantity": max(free_units, 0)},
        )
    amount = ZERO
    if kind in domain.REFUND_KINDS:
        cap = _refund_cap(line, a.quantity)
        amount = cap if a.amount is None else a.amount
        if amount <= 0 or amount > cap or amount != amount.quantize(Decimal("0.01")):
            raise BusinessRuleViolation(
                "The refund asked for is more than these units may give back.",
                code="amount_exceeds_refundable",
                details={"refundable_amount": str(cap)},
            )
    req = AftersalesRequest.objects.create(
        request_no=next_public_id(NUMBER_PREFIX),
        kind=kind.value,
        reason_code=a.reason_code,
        description=a.description[:500],
        evidence=evidence,
        buyer_id=order.buyer_id,
        merchant_id=order.merchant_id,
        order_no=order.order_no,
        trade_no=order.trade_no,
        line_id=line.line_id,
        sku_id=line.sku_id,
        title=line.title[:255],
        quantity=a.quantity,
        amount=amount,
        due_at=now + review_due(),
        created_at=now,
    )
    RequestLog.objects.create(
        request=req,
        to_status=req.status,
        actor=actor_of(principal),
        role=BUYER,
        reason=a.reason_code,
        created_at=now,
    )
    publish(RequestCreated(**event_fields(req)))
    return req


def _refund_cap(line: ordering_api.RefundableLine, quantity: int) -> Decimal:
    """What `quantity` units of the line may give back now: everything left for the last
    units, else their share of the paid amount (ordering's rule, checked again there)."""
    if quantity >= line.refundable_quantity:
        return line.refundable_amount
    share = (line.pay_amount * quantity / line.quantity).quantize(Decimal("0.01"), "ROUND_DOWN")
    return min(share, line.refundable_amount)


def _approve(req: AftersalesRequest, *, actor: str, role: str, note: str) -> None:
    if req.kind == Kind.REFUND_ONLY:
        move(req, Status.APPROVED, actor=actor, role=role, reason=note or "approved", due_at=None)
        refund_start(req, actor=actor, role=role, reason="refund on approval")
    else:
        move(
            req,
            Status.APPROVED,
            actor=actor,
            role=role,
            reason=note or "approved",
            decision_note=note[:200],
            due_at=timezone.now() + return_due(),
        )


@transaction.atomic
def request_approve(*, principal: Principal, request_no: str, note: str = "") -> AftersalesRequest:
    """The merchant accepts the request: a refund alone is refunded at once (through
    payments; 422 when other refunds of the line took its money meanwhile, and nothing
    changes); goods to come back wait for the buyer's parcel (AFTERSALES_RETURN_SHIP_DAYS)."""
    req, role = lock_for_merchant(principal, request_no)
    domain.check_transition(req.kind, req.status, Status.APPROVED)
    _approve(req, actor=actor_of(principal), role=role, note=note)
    return req


@transaction.atomic
def request_reject(*, principal: Principal, request_no: str, reason: str) -> AftersalesRequest:
    """The merchant refuses the request, saying why (400 without a reason); staff may
    arbitrate."""
    if not reason or not reason.strip():
        raise _invalid("reason", "Say why the request is rejected.")
    req, role = lock_for_merchant(principal, request_no)
    move(
        req,
        Status.REJECTED,
        actor=actor_of(principal),
        role=role,
        reason=reason,
        decision_note=reason[:200],
        due_at=None,
    )
    return req


@transaction.atomic
def request_ship_return(
    *, principal: Principal, request_no: str, carrier_code: str, tracking_number: str
) -> AftersalesRequest:
    """The buyer sent the goods back: an enabled carrier (logistics) and its tracking number.
    The parcel is registered with logistics (keyed by the request), which tracks it: 409
    tracking_number_taken for a number already on another parcel."""
    carrier_code = _carrier(carrier_code)
    tracking_number = (tracking_number or "").strip()
    if not tracking_number or len(tracking_number) > 64:
        raise _invalid("tracking_number", "1 to 64 characters.")
    req = lock(request_no, buyer_id=principal.user_id or -1)
    domain.check_transition(req.kind, req.status, Status.RETURN_SHIPPED)
    # Logistics tracks the parcel (its delivery to the merchant moves the request:
    # return_parcel_delivered); a number already on another parcel is a 409, nothing written.
    logistics_api.return_parcel_register(
        reference=refund_reference(req),
        order_no=req.order_no,
        merchant_id=req.merchant_id,
        buyer_id=req.buyer_id,
        carrier_code=carrier_code,
        tracking_number=tracking_number,
        lines={req.sku_id: req.quantity},
    )
    move(
        req,
        Status.RETURN_SHIPPED,
        actor=actor_of(principal),
        role=BUYER,
        reason=f"{carrier_code} {tracking_number}",
        return_carrier_code=carrier_code,
        return_tracking_number=tracking_number,
        return_shipped_at=timezone.now(),
        due_at=None,
    )
    return req


def _restock(req: AftersalesRequest, reason: str) -> None:
    # Keyed by the request: several partial returns of one SKU each put their own units back,
    # a replay none. The order's units first; once they are all back, the unit returned is an
    # earlier exchange's replacement, committed under that request's key: restored from there
    # (newest first), or inventory's cap on the order would silently restore nothing.
    reference = refund_reference(req)
    left = req.quantity
    sources = [req.order_no] + [
        refund_reference(earlier)
        for earlier in AftersalesRequest.objects.filter(
            order_no=req.order_no,
            sku_id=req.sku_id,
            kind=Kind.EXCHANGE,
            reshipped_at__isnull=False,
        )
        .exclude(pk=req.pk)
        .order_by("-id")
    ]
    for order_ref in sources:
        if left <= 0:
            break
        inventory_api.restore(
            order_ref=order_ref,
            reference=reference,
            lines=[inventory_api.ReservationLine(sku_id=req.sku_id, quantity=left)],
            reason=reason,
        )
        left -= inventory_api.restored_units(order_ref=order_ref, reference=reference)


@transaction.atomic
def request_inspect(
    *, principal: Principal, request_no: str, passed: bool, note: str = ""
) -> AftersalesRequest:
    """The merchant received the goods and inspected them. Passed: a return goes back on
    hand (inventory, keyed by the request) and is refunded at once; an exchange or a repair
    waits for the parcel back. Failed (a note is required): rejected; staff may arbitrate."""
    req, role = lock_for_merchant(principal, request_no)
    actor = actor_of(principal)
    now = timezone.now()
    if not passed:
        if not note or not note.strip():
            raise _invalid("note", "Say why the inspection failed.")
        move(
            req,
            Status.REJECTED,
            actor=actor,
            role=role,
            reason=note,
            received_at=req.received_at or now,
            inspection_passed=False,
            decision_note=note[:200],
        )
        return req
    move(
        req,
        Status.INSPECTED,
        actor=actor,
        role=role,
        reason=note or "inspection passed",
        received_at=req.received_at or now,
        inspection_passed=True,
    )
    if req.kind == Kind.RETURN_REFUND:
        _restock(req, "returned goods passed inspection")
        refund_start(req, actor=actor, role=role, reason="refund after inspection")
    elif req.kind == Kind.EXCHANGE:
        # The returned unit is sellable again; its replacement leaves stock when re-shipped.
        _restock(req, "exchanged goods passed inspection")
    return req


def _take_replacement(req: AftersalesRequest) -> None:
    """An exchange's replacement units leave stock, held and deducted at once under the
    request's key (`aftersales:<request_no>`): a replay deducts nothing more. 409
    replacement_out_of_stock when the SKU has too few units; nothing is written then."""
    reference = refund_reference(req)
    try:
        inventory_api.reserve(
            requests=[
                inventory_api.ReservationRequest(
                    order_ref=reference,
                    lines=(
                        inventory_api.ReservationLine(sku_id=req.sku_id, quantity=req.quantity),
                    ),
                )
            ]
        )
    except BusinessRuleViolation as refused:
        if refused.code != "out_of_stock":
            raise
        raise Conflict(
            "Not enough stock for the replacement; restock the SKU, then re-ship.",
            code="replacement_out_of_stock",
            details={"sku_id": req.sku_id, "quantity": req.quantity},
        ) from refused
    inventory_api.commit(order_refs=[reference])


@transaction.atomic
def request_reship(
    *, principal: Principal, request_no: str, carrier_code: str, tracking_number: str
) -> AftersalesRequest:
    """An exchange's new goods or a repaired item are on their way back to the buyer. An
    exchange's replacement leaves stock (inventory, keyed by the request): 409
    replacement_out_of_stock when there is too little, and nothing changes. The same parcel
    sent again (a retried call) answers the completed request and changes nothing."""
    carrier_code = _carrier(carrier_code)
    tracking_number = (tracking_number or "").strip()
    if not tracking_number or len(tracking_number) > 64:
        raise _invalid("tracking_number", "1 to 64 characters.")
    req, role = lock_for_merchant(principal, request_no)
    if req.status == Status.COMPLETED and (req.reship_carrier_code, req.reship_tracking_number) == (
        carrier_code,
        tracking_number,
    ):
        return req
    domain.check_transition(req.kind, req.status, Status.COMPLETED)
    if req.kind == Kind.EXCHANGE:
        _take_replacement(req)
    move(
        req,
        Status.COMPLETED,
        actor=actor_of(principal),
        role=role,
        reason=f"sent back: {carrier_code} {tracking_number}",
        reship_carrier_code=carrier_code,
        reship_tracking_number=tracking_number,
        reshipped_at=timezone.now(),
    )
    return req


@transaction.atomic
def request_withdraw(*, principal: Principal, request_no: str) -> AftersalesRequest:
    """The buyer takes the request back: while nothing was shipped back nor refunded."""
    req = lock(request_no, buyer_id=principal.user_id or -1)
    if req.status not in domain.WITHDRAWABLE:
        raise Conflict(
            "A request that is under way can no longer be withdrawn.",
            code="not_withdrawable",
            details={"status": req.status},
        )
    move(
        req,
        Status.WITHDRAWN,
        actor=actor_of(principal),
        role=BUYER,
        reason="withdrawn",
        due_at=None,
    )
    return req


FOR_BUYER = "buyer"
FOR_MERCHANT = "merchant"


@transaction.atomic
def request_arbitrate(
    *, principal: Principal, request_no: str, decision: str, reason: str
) -> AftersalesRequest:
    """Platform staff (aftersales.arbitrate) settle a rejected request or a failed refund.
    For the buyer: a request rejected at review is approved (a refund alone is refunded);
    a return that failed inspection is refunded; an exchange or repair goes on as inspected;
    a failed refund is asked for again. For the merchant: the request is closed."""
    principal.require(ARBITRATE, not_found=not_found())
    if decision not in (FOR_BUYER, FOR_MERCHANT):
        raise _invalid("decision", "buyer or merchant.")
    if not reason or not reason.strip():
        raise _invalid("reason", "Say why.")
    req = lock(request_no)
    actor = actor_of(principal)
    if req.status not in (Status.REJECTED, Status.REFUND_FAILED):
        raise Conflict(
            "Only a rejected request or a failed refund is arbitrated.",
            code="not_arbitrable",
            details={"status": req.status},
        )
    if decision == FOR_MERCHANT:
        if req.status == Status.REFUND_FAILED:
            refund_give_up(req)
        move(req, Status.CLOSED, actor=actor, role=STAFF, reason=reason, decision_note=reason[:200])
    elif req.status == Status.REFUND_FAILED:
        refund_start(req, actor=actor, role=STAFF, reason=reason)
    elif req.received_at is None:
        _approve(req, actor=actor, role=STAFF, note=reason)
    elif req.kind == Kind.RETURN_REFUND:
        _restock(req, "arbitrated for the buyer")
        refund_start(req, actor=actor, role=STAFF, reason=reason)
    else:
        move(req, Status.INSPECTED, actor=actor, role=STAFF, reason=reason)
        if req.kind == Kind.EXCHANGE:
            _restock(req, "arbitrated for the buyer")
    return req


@transaction.atomic
def return_parcel_delivered(*, reference: str, delivered_at) -> bool:
    """Logistics tracked the buyer's return parcel (registered under `reference`) to the
    merchant: a request still return_shipped becomes return_received (awaiting inspection;
    logged on its timeline, received at the delivery time). Anything else (another context's
    parcel, a request inspected already, a repeat) changes nothing: False."""
    prefix = "aftersales:"
    if not reference.startswith(prefix):
        return False
    found = AftersalesRequest.objects.filter(request_no=reference[len(prefix) :]).exists()
    if not found:
        return False
    req = lock(reference[len(prefix) :])
    if req.status != Status.RETURN_SHIPPED:
        return False
    move(
        req,
        Status.RETURN_RECEIVED,
        actor=SYSTEM,
        role=SYSTEM,
        reason="return parcel delivered (carrier tracking)",
        received_at=delivered_at,
    )
    return True


# --- Timers (beat tasks; safe to re-run: each acts only on requests still waiting) ------------


def _due(status: Status, now) -> list[str]:
    return list(
        AftersalesRequest.objects.filter(status=status, due_at__lte=now)
        .order_by("due_at")
        .values_list("request_no", flat=True)[:500]
    )


def requests_auto_approve(*, now=None) -> int:
    """Requests the merchant left unanswered past their due time are approved by the system
    (a refund alone is refunded); one transaction each, so one refused refund (its money was
    taken by another) does not hold up the rest: that request is rejected for staff to
    arbitrate. Returns how many were approved."""
    now = now or timezone.now()
    done = 0
    for request_no in _due(Status.REQUESTED, now):
        try:
            with transaction.atomic():
                req = lock(request_no)
                if req.status != Status.REQUESTED or req.due_at is None or req.due_at > now:
                    continue
                _approve(req, actor=SYSTEM, role=SYSTEM, note="merchant did not answer in time")
                done += 1
        except (BusinessRuleViolation, Conflict) as refused:
            with transaction.atomic():
                req = lock(request_no)
                if req.status == Status.REQUESTED:
                    move(
                        req,
                        Status.REJECTED,
                        actor=SYSTEM,
                        role=SYSTEM,
                        reason=f"automatic approval refused: {refused.code}",
                        due_at=None,
                    )
    return done


def requests_auto_close(*, now=None) -> int:
    """Approved returns the buyer did not ship in time are closed. Returns how many."""
    now = now or timezone.now()
    done = 0
    for request_no in _due(Status.APPROVED, now):
        with transaction.atomic():
            req = lock(request_no)
            if req.status != Status.APPROVED or req.due_at is None or req.due_at > now:
                continue
            if req.kind not in domain.RETURN_KINDS:
                continue
            move(
                req,
                Status.CLOSED,
                actor=SYSTEM,
                role=SYSTEM,
                reason="return not shipped in time",
                due_at=None,
            )
            done += 1
    return done
