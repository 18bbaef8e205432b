"""Recommendation's request and response shapes."""

from __future__ import annotations

from rest_framework import serializers

from shared.rest.fields import id_field
from shared.rest.serializers import Input

OPAQUE_ID = r"^[A-Za-z0-9_-]{8,64}$"


class SignalIn(Input):
    type = serializers.ChoiceField(
        choices=["view"],
        help_text="Only views come from clients: cart adds and purchases come from the cart's "
        "and ordering's events.",
    )
    spu_id = id_field()
    signal_id = serializers.RegexField(
        OPAQUE_ID,
        help_text="A client-made id of this signal (8-64 of A-Z a-z 0-9 _ -): a retry with the "
        "same id is taken once.",
    )
    visitor_id = serializers.RegexField(
        OPAQUE_ID,
        required=False,
        help_text="A guest's client-made, stable visitor id (required without sign-in; ignored "
        "for a signed-in buyer).",
    )


class SignalOut(serializers.Serializer):
    taken = serializers.BooleanField(help_text="False: this signal id was taken before.")


class RecommendedProductOut(serializers.Serializer):
    spu_id = serializers.IntegerField()
    title = serializers.CharField()
    image_url = serializers.CharField()
    min_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reason = serializers.ChoiceField(
        choices=["bought_together", "viewed_also_viewed", "similar", "trending", "for_you"]
    )


class ProductSectionsOut(serializers.Serializer):
    bought_together = RecommendedProductOut(many=True)
    viewed_also_viewed = RecommendedProductOut(many=True)
    similar = RecommendedProductOut(many=True)
    trending = RecommendedProductOut(many=True, help_text="Trending in the product's category.")


class CartSectionsOut(serializers.Serializer):
    bought_together = RecommendedProductOut(many=True)
    similar = RecommendedProductOut(many=True)
    trending = RecommendedProductOut(
        many=True, required=False, help_text="Store-wide, for an empty cart only."
    )


class FeedOut(serializers.Serializer):
    items = RecommendedProductOut(many=True)
