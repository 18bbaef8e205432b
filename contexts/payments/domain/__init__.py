"""Payments' pure rules: states, amounts in providers' formats."""
