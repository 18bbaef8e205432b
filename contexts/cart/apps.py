"""Cart: guest and user carts, merge on sign-in, lines re-checked against catalog and stock."""

from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "contexts.cart"
    label = "cart"
    verbose_name = "Cart"

    def ready(self) -> None:
        from contexts.cart import handlers
        from contexts.ordering.events import OrderPlaced
        from shared.events import subscribe

        subscribe(
            OrderPlaced,
            handlers.order_placed_remove_purchased_lines,
            name="cart.order_placed_remove_purchased_lines",
        )
