"""Flash sale (秒杀): sessions (time slots) of items sold at a flash price from an allotment taken
out of normal stock, bought through a stock engine (Redis Lua or the database), with orders
created asynchronously through ordering."""

from django.apps import AppConfig


class FlashsaleConfig(AppConfig):
    name = "contexts.flashsale"
    label = "flashsale"
    verbose_name = "Flash sale"

    def ready(self) -> None:
        from contexts.flashsale import handlers
        from contexts.ordering.events import OrderCancelled, OrderPaid
        from shared.events import subscribe

        subscribe(
            OrderCancelled,
            handlers.order_cancelled_return_unit,
            name="flashsale.order_cancelled_return_unit",
        )
        subscribe(OrderPaid, handlers.order_paid_mark_sold, name="flashsale.order_paid_mark_sold")
