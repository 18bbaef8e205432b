"""Transfers: money paid out from the platform to a payee (settlement payouts) through a
provider's `transfer_start` (the sandbox's book, Alipay's uni.transfer, WeChat's profit
sharing).

`transfer_request` records one transfer per idempotency key (unique index; the same key with
another request is a 409 idempotency_key_reused). `transfer_submit` sends it: the row is
locked and moved to processing before the provider is asked, so of two submits at once only
one asks; the provider itself transfers once per transfer_no. A transient provider error puts
the transfer back to requested (a later submit asks again, with the same transfer_no); a
permanent one fails it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.payments.models import Transfer
from contexts.payments.ports import ProviderError, TransferStart
from contexts.payments.services.payments import request_hash
from contexts.payments.services.providers import provider_call, provider_for_new_payment
from shared.errors import Conflict, ValidationFailed
from shared.ids import next_public_id

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
    source_payment_ref: str = "",
) -> RequestedTransfer:
    """Record a transfer (not yet sent). 400 for a non-positive amount, an empty payee or key,
    or a provider that is not enabled."""
    provider_for_new_payment(provider)
    problems = {}
    if amount <= 0:
        problems["amount"] = ["Must be positive."]
    if not payee_account:
        problems["payee_account"] = ["This field is required."]
    if not idempotency_key:
        problems["idempotency_key"] = ["This field is required."]
    if problems:
        raise ValidationFailed("The transfer is not valid.", details={"fields": problems})
    fingerprint = request_hash(
        {
            "provider": provider,
            "payee_account": payee_account,
            "amount": str(amount),
            "source_payment_ref": source_payment_ref,
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
                source_payment_ref=source_payment_ref,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
            )
    except IntegrityError:  # the same key committed by a concurrent request
        keyed = _keyed(idempotency_key, fingerprint)
        if keyed is None:
            raise
        return RequestedTransfer(keyed, replayed=True)
    return RequestedTransfer(created, replayed=False)


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
            transfer=TransferStart(
                transfer_no=transfer.transfer_no,
                amount=transfer.amount,
                payee_account=transfer.payee_account,
                payee_name=transfer.payee_name,
                remark=transfer.remark,
                source_payment_ref=transfer.source_payment_ref,
            ),
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
    return transfer
