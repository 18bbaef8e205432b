"""A Django app installed only by settings.test: a pricing step registered from outside ordering,
the way the coupons, points and flash-sale contexts will register theirs."""
