"""The catalog's commands, one module per business concept: merchants, taxonomy (categories,
brands, attributes), products (SPU/SKU, publishing, prices), stock mirror, reviews, media.

Every write runs in one transaction and raises a `shared.errors.AppError` with a stable code.
"""
