"""Promotions' PUBLIC facade. Other contexts do not call promotions (it is downstream of
ordering); ordering's pricing pipeline runs `PromotionsStep`, which apps.py registers under
the "promotions" name (ordering_api.replace_pricing_step)."""

from __future__ import annotations

from collections.abc import Sequence

from contexts.ordering import api as ordering_api
from contexts.promotions import domain, selectors, services

__all__ = ["PromotionsStep", "activity_reference"]


def activity_reference(activity_id: int) -> str:
    """The reference an activity's discounts and notes carry in a priced checkout."""
    return f"activity:{activity_id}"


class PromotionsStep(ordering_api.PricingStepBase):
    """The running activities (one query) applied to the checkout as priced so far: the best
    combination for the buyer (domain.best_outcome) as discounts on the lines it applies to
    (or on freight), gift lines (ordering adds them priced 0 and reserves their stock; one out
    of stock is dropped with a note), and a note per activity saying what it did or why not.
    Nothing to hold: an activity has no stock of its own to reserve."""

    def quote(
        self, checkout: ordering_api.Checkout
    ) -> Sequence[ordering_api.Adjustment | ordering_api.GiftLine | ordering_api.PricingNote]:
        activities = services.running_domain_activities(selectors.running_activities())
        if not activities:
            return ()
        drafts = [
            services.LineDraft(
                sku_id=line.sku_id,
                merchant_id=line.merchant_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                pay_amount=line.pay_amount,
            )
            for line in checkout.lines
            if not line.gift
        ]
        outcome = services.price_drafts(
            drafts, activities, freight_due={g.merchant_id: g.freight_due for g in checkout.groups}
        )
        return _answers_for(outcome, {a.activity_id: a.name for a in activities})


def _answers_for(
    outcome: domain.Outcome, names: dict[int, str]
) -> list[ordering_api.Adjustment | ordering_api.GiftLine | ordering_api.PricingNote]:
    answers: list[ordering_api.Adjustment | ordering_api.GiftLine | ordering_api.PricingNote] = [
        ordering_api.Adjustment(
            amount=grant.amount,
            target=grant.target,
            merchant_id=grant.merchant_id,
            sku_ids=grant.sku_ids,
            label=names.get(grant.activity_id, ""),
            reference=activity_reference(grant.activity_id),
        )
        for grant in outcome.grants
    ]
    answers += [
        ordering_api.GiftLine(
            sku_id=gift.sku_id,
            merchant_id=gift.merchant_id,
            quantity=gift.quantity,
            reference=activity_reference(gift.activity_id),
            label=names.get(gift.activity_id, ""),
        )
        for gift in outcome.gifts
    ]
    answers += [
        ordering_api.PricingNote(
            message=note.message,
            reference=activity_reference(note.activity_id),
            sku_ids=note.sku_ids,
            merchant_id=note.merchant_id,
            applied=note.applied,
        )
        for note in outcome.notes
    ]
    return answers
