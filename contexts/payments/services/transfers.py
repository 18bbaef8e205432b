"""Transfers: money paid out from the platform to a payee (settlement payouts) through a
provider's `transfer_start` (the sandbox's book, Alipay's uni.transfer, WeChat's profit
sharing: one order per source payment).

`transfer_request` records one transfer per idempotency key (unique index; the same key with
another request is a 409 idempotency_key_reused). `transfer_submit` sends it: the row is
locked and moved to processing before the provider is asked, so of two submits at once only
one asks; the provider itself transfers once per transfer_no. A transient provider error puts
the transfer back to requested (a later submit asks again, with the same transfer_no); a
permanent one fails it. A transfer left processing by the provider is settled by
`transfers_poll` (beat `payments.poll_transfers`) through `transfer_query`. Reaching succeeded
or failed publishes TransferSucceeded / TransferFailed once (settlement's payouts follow them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.payments.domain.states import PaymentState
from contexts.payments.events import TransferFailed, TransferSucceeded
from contexts.payments.models import Payment, Transfer
from contexts.payments.ports import (
    TRANSFER_NOT_FOUND,
    ProviderError,
    TransferSource,
    TransferStart,
)
from contexts.payments.services.payments import request_hash
from contexts.payments.services.providers import (
    provider_call,
    provider_for,
    provider_for_new_payment,
)
from shared.errors import Conflict, ValidationFailed
from shared.events import publish
from shared.ids import next_public_id
from shared.money import ZERO

logger = logging.getLogger(__name__)
FINAL = (Transfer.State.SUCCEEDED, Transfer.State.FAILED)


@dataclass(frozen=True)
class RequestedTransfer:
    transfer: Transfer
    replayed: bool


def transfer_request(
    *,
    provider: str,
    payee_account: str,
    payee_name: str,
    amount: Decimal,
    remark: str,
    idempotency_key: str,
    sources: Sequence[tuple[str, Decimal]] = (),
) -> RequestedTransfer:
    """Record a transfer (not yet sent). `sources` are (payment_no, amount) pairs: the
    succeeded payments that funded it, their amounts adding up to `amount`. 400 for a
    non-positive amount, an empty payee or key, a provider that is not enabled, or sources that
    are unknown, not succeeded, not positive or do not add up."""
    provider_for_new_payment(provider)
    problems: dict[str, list[str]] = {}
    if amount <= 0:
        problems["amount"] = ["Must be positive."]
    if not payee_account:
        problems["payee_account"] = ["This field is required."]
    if not idempotency_key:
        problems["idempotency_key"] = ["This field is required."]
    resolved = _sources_resolve(sources, amount, problems)
    if problems:
        raise ValidationFailed("The transfer is not valid.", details={"fields": problems})
    fingerprint = request_hash(
        {
            "provider": provider,
            "payee_account": payee_account,
            "amount": str(amount),
            "sources": [[s["payment_no"], s["amount"]] for s in resolved],
        }
    )
    keyed = _keyed(idempotency_key, fingerprint)
    if keyed is not None:
        return RequestedTransfer(keyed, replayed=True)
    try:
        with transaction.atomic():
            created = Transfer.objects.create(
                transfer_no=_transfer_no(),
                provider=provider,
                payee_account=payee_account,
                payee_name=payee_name,
                amount=amount,
                remark=remark[:100],
                sources=resolved,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
            )
    except IntegrityError:  # the same key committed by a concurrent request
        keyed = _keyed(idempotency_key, fingerprint)
        if keyed is None:
            raise
        return RequestedTransfer(keyed, replayed=True)
    return RequestedTransfer(created, replayed=False)


def _sources_resolve(
    sources: Sequence[tuple[str, Decimal]], amount: Decimal, problems: dict[str, list[str]]
) -> list[dict[str, str]]:
    """The source payments as stored on the transfer (ordered by payment_no), each with the
    provider that took it and its reference there (WeChat's transaction_id) when it is a
    succeeded payment of ours; otherwise both are empty, which the sandbox and Alipay do not
    need and WeChat Pay refuses (source_payment_missing)."""
    if not sources:
        return []
    wanted = dict(sources)
    if len(wanted) != len(sources) or not all(wanted):
        problems["sources"] = ["Each source names a distinct payment."]
        return []
    if any(part <= 0 for part in wanted.values()) or sum(wanted.values(), ZERO) != amount:
        problems["sources"] = ["The sources' amounts must be positive and add up to the amount."]
        return []
    found = {
        p.payment_no: p
        for p in Payment.objects.filter(payment_no__in=wanted, state=PaymentState.SUCCEEDED)
    }
    return [
        {
            "payment_no": number,
            "provider": found[number].provider if number in found else "",
            "payment_ref": found[number].provider_ref if number in found else "",
            "amount": str(wanted[number]),
        }
        for number in sorted(wanted)
    ]


def _start(transfer: Transfer) -> TransferStart:
    return TransferStart(
        transfer_no=transfer.transfer_no,
        amount=transfer.amount,
        payee_account=transfer.payee_account,
        payee_name=transfer.payee_name,
        remark=transfer.remark,
        sources=tuple(
            TransferSource(
                payment_no=s["payment_no"],
                provider=s["provider"],
                payment_ref=s["payment_ref"],
                amount=Decimal(s["amount"]),
            )
            for s in transfer.sources
        ),
    )


def _transfer_no() -> str:
    return next_public_id("X")


def _keyed(key: str, fingerprint: str) -> Transfer | None:
    found = Transfer.objects.filter(idempotency_key=key).first()
    if found is not None and found.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
        )
    return found


def transfer_submit(*, transfer_no: str) -> Transfer:
    """Ask the provider for a requested transfer (a final or processing one is answered as
    it is)."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(transfer_no=transfer_no)
        if transfer.state != Transfer.State.REQUESTED:
            return transfer
        transfer.state = Transfer.State.PROCESSING
        transfer.attempts += 1
        transfer.save(update_fields=["state", "attempts", "updated_at"])
    adapter = provider_for_new_payment(transfer.provider)
    try:
        answer = provider_call(
            transfer.provider,
            adapter.transfer_start,
            transfer=_start(transfer),
        )
    except ProviderError as exc:
        logger.warning(
            "transfer refused or failed",
            extra={"transfer_no": transfer.transfer_no, "code": exc.code},
        )
        state = Transfer.State.FAILED if exc.permanent else Transfer.State.REQUESTED
        return _transfer_settle(transfer_no, state=state, failure_code=exc.code)
    except Exception:
        # The breaker is open (or another failure before the provider answered): ask later.
        _transfer_settle(transfer_no, state=Transfer.State.REQUESTED, failure_code="unavailable")
        raise
    return _transfer_settle(
        transfer_no,
        state=Transfer.State(answer.state),
        failure_code=answer.failure_code,
        provider_ref=answer.provider_ref,
    )


def _transfer_settle(
    transfer_no: str, *, state: str, failure_code: str = "", provider_ref: str = ""
) -> Transfer:
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(transfer_no=transfer_no)
        if transfer.state in FINAL:
            return transfer
        transfer.state = state
        transfer.failure_code = failure_code
        if provider_ref:
            transfer.provider_ref = provider_ref
        if state in FINAL:
            transfer.completed_at = timezone.now()
        transfer.save(
            update_fields=["state", "failure_code", "provider_ref", "completed_at", "updated_at"]
        )
        if state in FINAL:
            _publish_settled(transfer)
    return transfer


def _publish_settled(transfer: Transfer) -> None:
    common = {
        "transfer_no": transfer.transfer_no,
        "provider": transfer.provider,
        "amount": transfer.amount,
        "reference": transfer.idempotency_key,
    }
    if transfer.state == Transfer.State.SUCCEEDED:
        publish(TransferSucceeded(**common))
    else:
        publish(TransferFailed(**common, failure_reason=transfer.failure_code))


def transfer_query_now(*, transfer_no: str) -> Transfer:
    """Ask the provider for a processing transfer's state and settle it (a final answer
    publishes its event once). One the provider never received goes back to requested and is
    sent again at once under the same number. Other states are answered as they are; a
    provider error leaves it processing (asked again on the next poll)."""
    transfer = Transfer.objects.get(transfer_no=transfer_no)
    if transfer.state != Transfer.State.PROCESSING:
        return transfer
    adapter = provider_for(transfer.provider)
    try:
        answer = provider_call(transfer.provider, adapter.transfer_query, transfer=_start(transfer))
    except ProviderError as exc:
        if exc.code != TRANSFER_NOT_FOUND:
            raise
        with transaction.atomic():
            updated = Transfer.objects.filter(
                transfer_no=transfer_no, state=Transfer.State.PROCESSING
            ).update(state=Transfer.State.REQUESTED, updated_at=timezone.now())
        return transfer_submit(transfer_no=transfer_no) if updated else transfer
    if answer.state == Transfer.State.PROCESSING:
        Transfer.objects.filter(pk=transfer.pk).update(updated_at=timezone.now())
        return transfer
    return _transfer_settle(
        transfer_no,
        state=Transfer.State(answer.state),
        failure_code=answer.failure_code,
        provider_ref=answer.provider_ref,
    )


def transfers_poll(
    *, now: datetime | None = None, older_than: timedelta | None = None, batch_size: int = 100
) -> dict[str, int]:
    """Query the transfers processing for longer than `older_than`
    (PAYMENTS_TRANSFER_POLL_AFTER_SECONDS) at their providers and settle them (beat
    `payments.poll_transfers`). Safe to re-run and to run concurrently: each transfer is
    claimed with SELECT ... FOR UPDATE SKIP LOCKED and its `updated_at` pushed forward before
    the provider is asked, so a concurrent run skips it (or finds it not due); settling goes
    through the row lock and publishes once."""
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(seconds=settings.PAYMENTS_TRANSFER_POLL_AFTER_SECONDS)
    cutoff = now - older_than
    due = list(
        Transfer.objects.filter(state=Transfer.State.PROCESSING, updated_at__lte=cutoff)
        .order_by("updated_at", "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    counts = {"queried": 0, "settled": 0, "errors": 0}
    for pk in due:
        with transaction.atomic():
            claimed = (
                Transfer.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=Transfer.State.PROCESSING, updated_at__lte=cutoff)
                .first()
            )
            if claimed is None:
                continue  # another run holds it, or settled it meanwhile
            # Not due for another run of this clock until the next interval.
            Transfer.objects.filter(pk=pk).update(updated_at=max(now, timezone.now()))
        counts["queried"] += 1
        try:
            if transfer_query_now(transfer_no=claimed.transfer_no).state in FINAL:
                counts["settled"] += 1
        except Exception as exc:  # one provider down must not stop the batch
            counts["errors"] += 1
            logger.warning(
                "transfer poll failed",
                extra={"transfer_no": claimed.transfer_no, "error": type(exc).__name__},
            )
    return counts
