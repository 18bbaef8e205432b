"""Redeemable codes: generated in batches, redeemed by buyers, guessing locked out.

Codes are 16 symbols from a 32-letter alphabet without look-alikes (80 bits from `secrets`):
unguessable, and unique by the database (a collision is dropped and generated again). A code
is a secret: never in an event, a log line, an error message or an admin list (masked there);
staff read a batch's codes through the export endpoint only.

Redeeming: a code not found (or used up) counts one failure for the user and one for the IP;
COUPONS_REDEEM_MAX_FAILURES within COUPONS_REDEEM_FAILURE_WINDOW_SECONDS locks redeeming for
that user or IP for COUPONS_REDEEM_LOCKOUT_SECONDS (429 redeem_locked), on top of the per-user
and per-IP request rates of the endpoint. A good code issues a coupon through the claim path
(coupon_issue: the template's total and the per-user limit hold); a shared code (max
redemptions > 1) is redeemed once per buyer; the code's row is locked while redeeming.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.coupons.models import CodeBatch, CodeRedemption, Coupon, CouponCode, CouponTemplate
from contexts.coupons.services.claims import coupon_issue, template_claim_check
from contexts.coupons.services.templates import template_not_found
from shared.auth import Principal
from shared.errors import Conflict, NotAuthenticated, NotFound, Throttled
from shared.lockout import FailureLockout
from shared.risk import risk_check

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
CHUNK = 1000
WRITE = "coupons.code.write"


def code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_normalize(code: str) -> str:
    """What a buyer typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def _lockout() -> FailureLockout:
    return FailureLockout(
        name="coupons:redeem",
        max_failures=settings.COUPONS_REDEEM_MAX_FAILURES,
        window_seconds=settings.COUPONS_REDEEM_FAILURE_WINDOW_SECONDS,
        lockout_seconds=settings.COUPONS_REDEEM_LOCKOUT_SECONDS,
    )


@transaction.atomic
def code_batch_create(
    *, principal: Principal, template_id: int, quantity: int, max_redemptions: int = 1
) -> CodeBatch:
    """A batch of `quantity` codes to generate for the template (staff: coupons.code.write).
    The caller starts the generation (code_batch_generate, in the background when large)."""
    principal.require(WRITE)
    template = CouponTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise template_not_found()
    return CodeBatch.objects.create(
        template=template,
        quantity=quantity,
        max_redemptions=max_redemptions,
        created_by=principal.user_id,
    )


def code_batch_generate(
    *, batch_id: int, progress: Callable[[int], None] | None = None, chunk: int = CHUNK
) -> int:
    """Generate the batch's missing codes in chunks, each chunk committed with the batch's
    `generated` count (the progress staff see); `progress(n)` is told of each chunk. Resumes
    where a stopped run left off; a finished batch is left alone. Returns codes generated."""
    batch = CodeBatch.objects.get(pk=batch_id)
    if batch.status == CodeBatch.Status.DONE:
        return batch.generated
    generated = CouponCode.objects.filter(batch_id=batch_id).count()
    CodeBatch.objects.filter(pk=batch_id).update(
        status=CodeBatch.Status.RUNNING, generated=generated
    )
    while generated < batch.quantity:
        codes = {code_new() for _ in range(min(chunk, batch.quantity - generated))}
        with transaction.atomic():
            CouponCode.objects.bulk_create(
                [
                    CouponCode(
                        batch_id=batch_id,
                        template_id=batch.template_id,
                        code=code,
                        max_redemptions=batch.max_redemptions,
                    )
                    for code in codes
                ],
                ignore_conflicts=True,  # a collision with an existing code is made again
            )
            made = CouponCode.objects.filter(batch_id=batch_id, code__in=codes).count()
            generated += made
            CodeBatch.objects.filter(pk=batch_id).update(generated=generated)
        if progress is not None:
            progress(made)
    CodeBatch.objects.filter(pk=batch_id).update(
        status=CodeBatch.Status.DONE, finished_at=timezone.now()
    )
    return generated


def _invalid() -> NotFound:
    return NotFound("This code is not valid.", code="coupon_code_invalid")


def coupon_redeem(*, principal: Principal, code: str, ip: str = "") -> Coupon:
    """Redeem a code for a coupon (module docstring): 404 coupon_code_invalid for an unknown
    or used-up code (a failure counted), 409 coupon_code_already_redeemed for a shared code
    the buyer used before, 429 redeem_locked while guessing is locked out, then the claim
    rules (422 claim_closed / coupon_not_eligible, 409 claim_limit_reached /
    coupons_exhausted)."""
    if principal.user_id is None:
        raise NotAuthenticated()
    user_id = principal.user_id
    lockout = _lockout()
    who = [("user", str(user_id))] + ([("ip", ip)] if ip else [])
    for scope, value in who:
        seconds = lockout.locked_seconds(scope, value)
        if seconds is not None:
            raise Throttled(
                "Too many invalid codes; try again later.",
                code="redeem_locked",
                details={"retry_after": seconds},
            )
    risk_check(action="coupons.redeem", user_id=user_id, ip=ip)
    now = timezone.now()
    try:
        with transaction.atomic():
            row = (
                CouponCode.objects.select_for_update()
                .select_related("template")
                .filter(code=code_normalize(code)[:32])
                .first()
            )
            if row is None or row.redeemed >= row.max_redemptions:
                raise _invalid()
            if CodeRedemption.objects.filter(code=row, user_id=user_id).exists():
                raise Conflict(
                    "You already redeemed this code.", code="coupon_code_already_redeemed"
                )
            template_claim_check(template=row.template, user_id=user_id, now=now)
            coupon = coupon_issue(template=row.template, user_id=user_id, now=now, code=row)
            row.redeemed += 1
            row.save(update_fields=["redeemed"])
            CodeRedemption.objects.create(code=row, user_id=user_id, coupon=coupon)
            return coupon
    except NotFound:
        for scope, value in who:
            lockout.record(scope, value)
        raise
    except IntegrityError as exc:  # the unique (code, user): a concurrent redemption won
        raise Conflict(
            "You already redeemed this code.", code="coupon_code_already_redeemed"
        ) from exc
