"""Fixtures for the client tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .fakes import ApiHandler, FakeTime, FakeZuora, Harness, make_settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def harness() -> Callable[..., Harness]:
    """``harness(api=handler, **settings_overrides)``: a fake Zuora, fake time and settings."""

    def build(api: ApiHandler | None = None, **overrides: Any) -> Harness:
        fake = FakeZuora() if api is None else FakeZuora(api=api)
        return Harness(fake=fake, time=FakeTime(), settings=make_settings(**overrides))

    return build
