"""Cart: guest carts (anonymous token) and user carts, merged on sign-in.

The database is the source of truth for carts (no Redis copy): see models.py. Prices and stock
are never trusted from the cart: every read re-checks lines against catalog and inventory.
"""
