"""Generate a batch of redeemable codes for a template, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from contexts.coupons import services
from shared.auth import SYSTEM
from shared.errors import AppError


class Command(BaseCommand):
    help = "Generate redeemable codes for a coupon template (export them from the staff API)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--template", type=int, required=True, help="coupon template id")
        parser.add_argument("--quantity", type=int, required=True)
        parser.add_argument(
            "--max-redemptions", type=int, default=1, help="1: one-time codes (default)"
        )

    def handle(self, *args, template: int, quantity: int, max_redemptions: int, **options):
        if quantity < 1 or max_redemptions < 1:
            raise CommandError("quantity and max-redemptions must be at least 1")
        try:
            batch = services.code_batch_create(
                principal=SYSTEM,
                template_id=template,
                quantity=quantity,
                max_redemptions=max_redemptions,
            )
        except AppError as exc:
            raise CommandError(exc.message) from exc
        with tqdm(total=quantity, unit="code", file=self.stderr) as bar:
            made = services.code_batch_generate(batch_id=batch.pk, progress=bar.update)
        self.stdout.write(f"batch {batch.pk}: {made} codes")
