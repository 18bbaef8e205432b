"""Input and output shapes of the group buy endpoints (types and bounds; rules are services')."""

from __future__ import annotations

from rest_framework import serializers

from contexts.groupbuy.domain import MAX_GROUP_SIZE, ActivityStatus, GroupStatus
from contexts.groupbuy.models import GroupBuyActivity
from contexts.groupbuy.services.activities import MAX_FILL_SECONDS, MIN_FILL_SECONDS
from shared.rest.fields import id_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput

_MONEY = {"max_digits": 14, "decimal_places": 2}


class ActivityListQuery(QueryInput):
    spu_id = id_field(required=False)
    sku_id = id_field(required=False)


class StorefrontActivityOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sku_id = serializers.IntegerField()
    spu_id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    image_url = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(**_MONEY, allow_null=True, help_text="The SKU's own price.")
    group_price = serializers.DecimalField(**_MONEY)
    group_size = serializers.IntegerField()
    fill_seconds = serializers.IntegerField()
    per_user_limit = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    running = serializers.BooleanField(help_text="Groups can be started and joined now.")


class StorefrontActivitiesOut(serializers.Serializer):
    results = StorefrontActivityOut(many=True)


class MemberOut(serializers.Serializer):
    name = serializers.CharField(help_text="Masked nickname (张**, a***).")
    is_leader = serializers.BooleanField()
    status = serializers.CharField()


class GroupOut(serializers.Serializer):
    group_no = serializers.CharField()
    activity_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[s.value for s in GroupStatus])
    size = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    paid_count = serializers.IntegerField()
    group_price = serializers.DecimalField(**_MONEY)
    deadline = serializers.DateTimeField()
    ends_in_seconds = serializers.IntegerField(help_text="Countdown to the deadline (server).")
    members = MemberOut(many=True)


class OpenGroupsOut(serializers.Serializer):
    server_time = serializers.DateTimeField()
    results = GroupOut(many=True)


class ShareOut(GroupOut):
    activity_name = serializers.CharField()
    share_path = serializers.CharField(help_text="Path of the group's page to share.")


class MyGroupOut(GroupOut):
    activity_name = serializers.CharField()
    order_no = serializers.CharField(help_text="Your order in this group.")
    trade_no = serializers.CharField()
    my_status = serializers.CharField(help_text="held, paid, released or refunded.")


class MyGroupPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = MyGroupOut(many=True)


class StartIn(Input):
    address_id = id_field()


class JoinIn(Input):
    address_id = id_field()
    or_start_new = serializers.BooleanField(
        default=False, help_text="When the group is full or closed, start a new one instead."
    )


class SeatOut(serializers.Serializer):
    group_no = serializers.CharField()
    order_no = serializers.CharField(help_text="Pay it (its trade) within the payment window.")
    trade_no = serializers.CharField()
    is_leader = serializers.BooleanField()
    started_new_group = serializers.BooleanField()


# --- Back office ----------------------------------------------------------------------------


class ActivityIn(Input):
    name = serializers.CharField(max_length=100)
    sku_id = id_field()
    group_price = money_amount()
    group_size = positive_int(min_value=2, max_value=MAX_GROUP_SIZE)
    fill_seconds = positive_int(min_value=MIN_FILL_SECONDS, max_value=MAX_FILL_SECONDS)
    per_user_limit = positive_int(min_value=1, max_value=99, default=1)
    auto_fill = serializers.BooleanField(default=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ActivityUpdateIn(Input):
    name = serializers.CharField(max_length=100, required=False)
    group_price = money_amount(required=False)
    fill_seconds = positive_int(
        min_value=MIN_FILL_SECONDS, max_value=MAX_FILL_SECONDS, required=False
    )
    per_user_limit = positive_int(min_value=1, max_value=99, required=False)
    auto_fill = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=[s.value for s in ActivityStatus], required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)


class ActivityOut(serializers.ModelSerializer):
    class Meta:
        model = GroupBuyActivity
        fields = (
            "id",
            "name",
            "merchant_id",
            "sku_id",
            "spu_id",
            "group_price",
            "group_size",
            "fill_seconds",
            "per_user_limit",
            "auto_fill",
            "status",
            "starts_at",
            "ends_at",
            "created_at",
        )


class ActivityPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ActivityOut(many=True)


class ActivityListQueryStaff(QueryInput):
    status = serializers.ChoiceField(choices=[s.value for s in ActivityStatus], required=False)


class MonitorQuery(QueryInput):
    status = serializers.ChoiceField(choices=[s.value for s in GroupStatus], required=False)
    activity_id = id_field(required=False)
    deadline_before = serializers.DateTimeField(required=False)


class MonitorMemberOut(serializers.Serializer):
    user_id = serializers.IntegerField()
    is_leader = serializers.BooleanField()
    status = serializers.CharField()
    order_no = serializers.CharField()


class MonitorGroupOut(serializers.Serializer):
    group_no = serializers.CharField()
    activity_id = serializers.IntegerField()
    activity_name = serializers.CharField()
    merchant_id = serializers.IntegerField()
    leader_id = serializers.IntegerField()
    status = serializers.CharField()
    size = serializers.IntegerField()
    occupied = serializers.IntegerField()
    paid_count = serializers.IntegerField()
    virtual_seats = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    members = MonitorMemberOut(many=True)


class MonitorPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = MonitorGroupOut(many=True)
