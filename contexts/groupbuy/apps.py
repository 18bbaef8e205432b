"""Group buy (拼团): activities selling a SKU at a group price to groups of buyers; a group that
fills in time ships, one that does not is refunded."""

from django.apps import AppConfig


class GroupbuyConfig(AppConfig):
    name = "contexts.groupbuy"
    label = "groupbuy"
    verbose_name = "Group buy"

    def ready(self) -> None:
        from contexts.groupbuy import handlers
        from contexts.ordering.events import OrderCancelled, OrderPaid
        from shared.events import subscribe

        subscribe(OrderPaid, handlers.order_paid_count_seat, name="groupbuy.order_paid_count_seat")
        subscribe(
            OrderCancelled,
            handlers.order_cancelled_release_seat,
            name="groupbuy.order_cancelled_release_seat",
        )
