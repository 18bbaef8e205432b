"""Ordering's pure rules: the order state machine (states.py) and the pricing engine
(pricing.py). No database access here, so both read and test on their own."""
