"""The objects made at start-up are left out of garbage collection while the app runs."""

from __future__ import annotations

import gc

from project3_webhook.settings import Settings
from project3_webhook.tests.support import running_app


async def test_startup_objects_are_frozen_while_the_app_runs_and_released_after():
    frozen_before = gc.get_freeze_count()
    async with running_app(Settings()):
        assert gc.get_freeze_count() > frozen_before, (
            "a full collection must not walk the app's start-up objects: freeze them in lifespan"
        )
    assert gc.get_freeze_count() == 0, "stopping the app gives its objects back to the collector"
