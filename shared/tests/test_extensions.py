"""Extension points: sections registered from above, a failing one left out of the response."""

from __future__ import annotations

import logging

from shared.extensions import ExtensionPoint


def test_each_provider_answers_its_section_and_a_failing_one_is_left_out(caplog):
    point = ExtensionPoint("tests.page")

    def broken(*, spu_id):
        raise RuntimeError("graph down")

    point.register("recommendations", lambda *, spu_id: [spu_id + 1])
    point.register("broken", broken)
    with caplog.at_level(logging.ERROR, logger="shared.extensions"):
        assert point.collect(spu_id=5) == {"recommendations": [6]}
        assert point.collect_reporting(spu_id=5) == ({"recommendations": [6]}, ("broken",))
    assert "broken of tests.page failed" in caplog.text
    point.register("recommendations", lambda *, spu_id: "replaced")
    point.unregister("broken")
    assert point.keys() == ("recommendations",)
    assert point.collect(spu_id=5) == {"recommendations": "replaced"}
    assert point.collect_reporting(spu_id=5) == ({"recommendations": "replaced"}, ())
