"""Mark a trade paid from the command line: the development stand-in for a payment provider's
callback until the payments context drives `ordering.api.mark_trade_paid` itself."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from contexts.ordering import api
from shared.errors import AppError


class Command(BaseCommand):
    help = "Pay a trade's payable amount (development only; real payments arrive by callback)."

    def add_arguments(self, parser):
        parser.add_argument("trade_no")

    def handle(self, *args, trade_no: str, **options):
        trade = api.get_trade(trade_no)
        if trade is None:
            raise CommandError(f"no trade {trade_no}")
        try:
            paid = api.mark_trade_paid(
                trade_no=trade_no,
                paid_amount=trade.payable_amount,
                payment_ref=f"DEV-{uuid.uuid4().hex[:16]}",
            )
        except AppError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(f"trade {paid.trade_no} {paid.status}: paid {paid.paid_amount}")
