"""Input and output shapes of the group buy endpoints (types and bounds; rules are services')."""

from __future__ import annotations

from rest_framework import serializers

from contexts.groupbuy.domain import MAX_GROUP_SIZE, ActivityStatus, GroupStatus
from contexts.groupbuy.models import GroupBuyActivity
from contexts.groupbuy.services.activities import MAX_FILL_SECONDS, MIN_FILL_SECONDS
from shared.rest.fields import id_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput

_MONEY = {"max_digits": 14, "decimal_places": 2}


class GroupBuyActivityListQuery(QueryInput):
    spu_id = id_field(required=False)
    sku_id = id_field(required=False)


class GroupBuyStorefrontActivityOut(serializers.Serializer):
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


class GroupBuyStorefrontActivitiesOut(serializers.Serializer):
    results = GroupBuyStorefrontActivityOut(many=True)


class GroupBuyMemberOut(serializers.Serializer):
    name = serializers.CharField(help_text="Masked nickname (张**, a***).")
    is_leader = serializers.BooleanField()
    status = serializers.CharField()


class GroupBuyGroupOut(serializers.Serializer):
    group_no = serializers.CharField()
    activity_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[s.value for s in GroupStatus])
    size = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    paid_count = serializers.IntegerField()
    group_price = serializers.DecimalField(**_MONEY)
    deadline = serializers.DateTimeField()
    ends_in_seconds = serializers.IntegerField(help_text="Countdown to the deadline (server).")
    members = GroupBuyMemberOut(many=True)


class GroupBuyOpenGroupsOut(serializers.Serializer):
    server_time = serializers.DateTimeField()
    results = GroupBuyGroupOut(many=True)


class GroupBuyShareOut(GroupBuyGroupOut):
    activity_name = serializers.CharField()
    share_path = serializers.CharField(help_text="Path of the group's page to share.")


class GroupBuyMyGroupOut(GroupBuyGroupOut):
    activity_name = serializers.CharField()
    order_no = serializers.CharField(help_text="Your order in this group.")
    trade_no = serializers.CharField()
    my_status = serializers.CharField(help_text="held, paid, released or refunded.")


class GroupBuyMyGroupPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = GroupBuyMyGroupOut(many=True)


class GroupBuyStartIn(Input):
    address_id = id_field()


class GroupBuyJoinIn(Input):
    address_id = id_field()
    or_start_new = serializers.BooleanField(
        default=False, help_text="When the group is full or closed, start a new one instead."
    )


class GroupBuySeatOut(serializers.Serializer):
    group_no = serializers.CharField()
    order_no = serializers.CharField(help_text="Pay it (its trade) within the payment window.")
    trade_no = serializers.CharField()
    is_leader = serializers.BooleanField()
    started_new_group = serializers.BooleanField()


# --- Back office ----------------------------------------------------------------------------


class GroupBuyActivityIn(Input):
    name = serializers.CharField(max_length=100)
    sku_id = id_field()
    group_price = money_amount()
    group_size = positive_int(min_value=2, max_value=MAX_GROUP_SIZE)
    fill_seconds = positive_int(min_value=MIN_FILL_SECONDS, max_value=MAX_FILL_SECONDS)
    per_user_limit = positive_int(min_value=1, max_value=99, default=1)
    auto_fill = serializers.BooleanField(default=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class GroupBuyActivityUpdateIn(Input):
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


class GroupBuyActivityOut(serializers.ModelSerializer):
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


class GroupBuyActivityPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = GroupBuyActivityOut(many=True)


class GroupBuyActivityListQueryStaff(QueryInput):
    status = serializers.ChoiceField(choices=[s.value for s in ActivityStatus], required=False)


class GroupBuyMonitorQuery(QueryInput):
    status = serializers.ChoiceField(choices=[s.value for s in GroupStatus], required=False)
    activity_id = id_field(required=False)
    deadline_before = serializers.DateTimeField(required=False)


class GroupBuyMonitorMemberOut(serializers.Serializer):
    user_id = serializers.IntegerField()
    is_leader = serializers.BooleanField()
    status = serializers.CharField()
    order_no = serializers.CharField()


class GroupBuyMonitorGroupOut(serializers.Serializer):
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
    members = GroupBuyMonitorMemberOut(many=True)


class GroupBuyMonitorPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = GroupBuyMonitorGroupOut(many=True)
