"""Two small asyncio helpers that are easy to get subtly wrong inline."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def cancel_and_wait(*tasks: asyncio.Task[Any]) -> None:
    """Cancel `tasks`, wait until every one has finished, and re-raise a real failure.

    Preferred to the common `task.cancel(); with suppress(CancelledError): await task`, which
    also swallows a cancellation aimed at the *caller*. `asyncio.wait` neither raises the
    tasks' exceptions nor hides our own cancellation; we then look at each outcome ourselves,
    so a task that crashed is reported instead of being logged later as "exception never
    retrieved".
    """
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error


async def first_completed(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run `coroutines` side by side until one returns; then cancel the others.

    Whatever happens (one finishes, one fails, or we are cancelled) no task outlives this call,
    so none is ever "destroyed but pending".
    """
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_and_wait(*tasks)
