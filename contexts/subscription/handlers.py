"""Subscription's reactions and its hooks into lower contexts (registered in apps.py):

* payments' PaymentSucceeded of kind "subscription" pays the invoice; AgreementChanged of
  kind "subscription" turns auto-renew on or off (idempotent: the services key on the invoice
  and the agreement);
* `invoice_payable`: the resolver payments asks what an invoice owes (a payable source);
* ordering's pricing pipeline: the "membership" step (the member price: a percentage off the
  items; members' freight waived), right after freight;
* loyalty's earn multiplier: the plan's points multiplier while the membership gives benefits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contexts.ordering import api as ordering_api
from contexts.payments import api as payments_api
from contexts.payments.events import AgreementChanged, PaymentSucceeded
from contexts.subscription import domain, selectors, services
from contexts.subscription.models import Invoice
from shared.money import ZERO

MEMBERSHIP_STEP = "membership"
MULTIPLIER_NAME = "subscription"


def payment_succeeded_pay_invoice(event: PaymentSucceeded) -> None:
    if event.kind != services.PAYABLE_KIND:
        return
    services.invoice_paid(
        invoice_no=event.source_ref, payment_no=event.payment_no, amount=event.amount
    )


def agreement_changed_auto_renew(event: AgreementChanged) -> None:
    if event.kind != services.PAYABLE_KIND:
        return
    services.agreement_changed(
        member_no=event.source_ref,
        buyer_id=event.buyer_id,
        agreement_no=event.agreement_no,
        state=event.state,
    )


def invoice_payable(invoice_no: str) -> payments_api.PayableInfo | None:
    invoice = selectors.invoice_get(invoice_no=invoice_no)
    if invoice is None:
        return None
    return payments_api.PayableInfo(
        kind=services.PAYABLE_KIND,
        source_ref=invoice.invoice_no,
        buyer_id=invoice.user_id,
        amount=invoice.amount,
        payable=invoice.state == Invoice.State.OPEN and invoice.amount > 0,
        status=invoice.state,
        subject=f"Membership {invoice.invoice_no}",
    )


def points_multiplier(user_id: int) -> Decimal:
    return selectors.member_benefits(user_id=user_id).points_multiplier


class MembershipStep(ordering_api.PricingStepBase):
    """A member's benefits at checkout, from one read of their membership per pricing:

    * the member price: the plan's member_discount_percent off the items (one platform-funded
      adjustment over the whole checkout, half-up to the cent);
    * free shipping: each group's freight still due is taken off (a freight adjustment).

    One step rather than two so the membership is read once per pricing (the placement query
    budget), registered right after freight (apps.py)."""

    def quote(
        self, checkout: ordering_api.Checkout
    ) -> Sequence[ordering_api.Adjustment | ordering_api.PricingNote]:
        if not checkout.buyer_id:
            return []
        benefits = selectors.member_benefits(user_id=checkout.buyer_id)
        if not benefits.is_member:
            return []
        reference = f"plan:{benefits.plan_code}"
        return [
            *_member_price(checkout, benefits, reference),
            *_free_shipping(checkout, benefits, reference),
        ]


def _member_price(checkout, benefits, reference: str) -> list:
    if benefits.member_discount_percent <= 0:
        return []
    due = sum((line.pay_amount for line in checkout.lines), ZERO)
    amount = domain.member_price_discount(amount=due, percent=benefits.member_discount_percent)
    if amount <= 0:
        return []
    percent = f"{benefits.member_discount_percent.normalize():f}"
    return [
        ordering_api.Adjustment(
            amount=amount, label=f"Member price (-{percent}%)", reference=reference
        ),
        ordering_api.PricingNote(
            message=f"Members pay {percent}% less.", reference=reference, applied=True
        ),
    ]


def _free_shipping(checkout, benefits, reference: str) -> list:
    groups = [g for g in checkout.groups if g.freight_due > 0]
    if not benefits.free_shipping or not groups:
        return []
    return [
        *(
            ordering_api.Adjustment(
                amount=group.freight_due,
                target="freight",
                merchant_id=group.merchant_id,
                label="Free shipping (membership)",
                reference=reference,
            )
            for group in groups
        ),
        ordering_api.PricingNote(message="Members ship free.", reference=reference, applied=True),
    ]
