"""shared.ports: adapters named by a setting, built once per dotted path, swappable in tests."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from shared.ports import adapter, reset_adapters, use_adapter


class Counter:
    built = 0

    def __init__(self) -> None:
        Counter.built += 1


class Other:
    pass


@override_settings(TEST_PORT_ADAPTER="shared.tests.test_ports.Counter")
def test_adapter_is_built_once_per_path_and_rebuilt_when_the_setting_changes():
    reset_adapters()
    Counter.built = 0
    first = adapter("TEST_PORT_ADAPTER")
    assert adapter("TEST_PORT_ADAPTER") is first
    assert Counter.built == 1
    with override_settings(TEST_PORT_ADAPTER="shared.tests.test_ports.Other"):
        assert isinstance(adapter("TEST_PORT_ADAPTER"), Other)
    assert isinstance(adapter("TEST_PORT_ADAPTER"), Counter)


@override_settings(TEST_PORT_ADAPTER="shared.tests.test_ports.Counter")
def test_use_adapter_serves_a_fake_inside_the_block_only():
    fake = object()
    with use_adapter("TEST_PORT_ADAPTER", fake):
        assert adapter("TEST_PORT_ADAPTER") is fake
    assert isinstance(adapter("TEST_PORT_ADAPTER"), Counter)


@pytest.mark.parametrize("value", [None, "", "shared.tests.test_ports.Missing", 3])
def test_a_missing_or_broken_setting_is_a_configuration_error(value):
    with override_settings(TEST_PORT_ADAPTER=value), pytest.raises(ImproperlyConfigured):
        adapter("TEST_PORT_ADAPTER")
