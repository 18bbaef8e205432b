"""Group buy's pure rules: seats, completion, auto-fill, masking, refund keys."""

from __future__ import annotations

from contexts.groupbuy import domain


def test_seats_left_never_negative():
    assert domain.seats_left(size=3, occupied=1) == 2
    assert domain.seats_left(size=3, occupied=3) == 0
    assert domain.seats_left(size=3, occupied=4) == 0


def test_complete_when_paid_and_virtual_seats_reach_the_size():
    assert not domain.is_complete(size=3, paid=2)
    assert domain.is_complete(size=3, paid=3)
    assert domain.is_complete(size=3, paid=1, virtual=2)


def test_auto_fill_needs_the_option_and_a_paid_member():
    assert domain.can_auto_fill(auto_fill=True, paid=1)
    assert not domain.can_auto_fill(auto_fill=True, paid=0)
    assert not domain.can_auto_fill(auto_fill=False, paid=2)


def test_names_are_masked_to_their_first_character():
    assert domain.mask_name("张三丰") == "张**"
    assert domain.mask_name("alice@example.com") == "a***"
    assert domain.mask_name("13800138000") == "1**"
    assert domain.mask_name("") == "***"


def test_refund_key_names_the_group_and_the_order():
    assert domain.refund_key(group_no="G1", order_no="O9") == "groupbuy:G1:O9"
