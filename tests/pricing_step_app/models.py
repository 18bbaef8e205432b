from django.db import models


class StepCall(models.Model):
    """One lifecycle call the rebate step received, written in the caller's transaction."""

    action = models.CharField(max_length=10)  # hold | confirm | release
    trade_no = models.CharField(max_length=32)
    order_no = models.CharField(max_length=32)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    reason = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.action} {self.order_no}"
