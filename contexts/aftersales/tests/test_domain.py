"""The after-sales rules without the database: the state machine of each kind, evidence keys."""

from __future__ import annotations

from itertools import pairwise

import pytest

from contexts.aftersales import domain
from contexts.aftersales.domain import Kind, Status
from shared.errors import AppError

S = Status


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (Kind.REFUND_ONLY, [S.REQUESTED, S.APPROVED, S.REFUNDING, S.REFUNDED]),
        (
            Kind.RETURN_REFUND,
            [S.REQUESTED, S.APPROVED, S.RETURN_SHIPPED, S.INSPECTED, S.REFUNDING, S.REFUNDED],
        ),
        (Kind.EXCHANGE, [S.REQUESTED, S.APPROVED, S.RETURN_SHIPPED, S.INSPECTED, S.COMPLETED]),
        (Kind.REPAIR, [S.REQUESTED, S.APPROVED, S.RETURN_SHIPPED, S.INSPECTED, S.COMPLETED]),
    ],
)
def test_each_kind_follows_its_own_path(kind, path):
    for current, target in pairwise(path):
        domain.check_transition(kind, current, target)


@pytest.mark.parametrize(
    ("kind", "current", "target"),
    [
        (Kind.REFUND_ONLY, S.APPROVED, S.RETURN_SHIPPED),  # nothing to send back
        (Kind.EXCHANGE, S.INSPECTED, S.REFUNDING),  # an exchange gives no money back
        (Kind.RETURN_REFUND, S.REQUESTED, S.REFUNDING),  # not before review
        (Kind.RETURN_REFUND, S.RETURN_SHIPPED, S.WITHDRAWN),  # the goods are on their way
        (Kind.REFUND_ONLY, S.REFUNDING, S.WITHDRAWN),
        (Kind.REFUND_ONLY, S.REFUNDED, S.REFUNDING),  # never twice
        (Kind.REPAIR, S.COMPLETED, S.APPROVED),
    ],
)
def test_what_the_table_does_not_list_is_refused(kind, current, target):
    with pytest.raises(AppError) as refused:
        domain.check_transition(kind, current, target)
    assert (refused.value.status_code, refused.value.code) == (409, "illegal_transition")


def test_every_status_of_every_kind_is_in_its_table_and_ends_are_final():
    for table in domain.TRANSITIONS.values():
        reachable = {t for targets in table.values() for t in targets}
        assert reachable <= set(table)
        for end in (S.REFUNDED, S.COMPLETED, S.WITHDRAWN, S.CLOSED):
            assert table.get(end, frozenset()) == frozenset()


def test_evidence_is_keys_of_uploaded_images_only():
    key = "aftersales/2026/12/" + "0f" * 16 + ".jpg"
    assert domain.check_evidence([key, key]) == [key]
    for bad in (
        "https://evil.example.com/x.jpg",
        "../../etc/passwd",
        "aftersales/2026/12/" + "0f" * 16 + ".exe",
        "/aftersales/2026/12/" + "0f" * 16 + ".jpg",
    ):
        with pytest.raises(AppError):
            domain.check_evidence([bad])
    many = [f"aftersales/2026/12/{n:032x}.png" for n in range(domain.EVIDENCE_MAX + 1)]
    with pytest.raises(AppError):
        domain.check_evidence(many)
