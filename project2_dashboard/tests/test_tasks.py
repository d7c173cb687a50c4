"""The race helpers: the loser is cancelled, failures surface, no task is left pending."""

from __future__ import annotations

import asyncio

import pytest

from project2_dashboard.tasks import cancel_and_wait, first_completed


async def test_first_completed_cancels_the_coroutine_still_running():
    loser_cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            loser_cancelled.set()

    async def quick() -> None:
        return None

    await first_completed(forever(), quick())
    assert loser_cancelled.is_set(), "the other side of the race must be cancelled, not leaked"


async def test_first_completed_raises_what_failed():
    async def forever() -> None:
        await asyncio.Event().wait()

    async def broken() -> None:
        raise LookupError("bug")

    with pytest.raises(LookupError, match="bug"):
        await first_completed(forever(), broken())


async def test_cancelling_first_completed_leaves_no_task_behind():
    before = asyncio.all_tasks()

    async def forever() -> None:
        await asyncio.Event().wait()

    racing = asyncio.create_task(first_completed(forever(), forever()))
    await asyncio.sleep(0)
    await cancel_and_wait(racing)
    assert racing.cancelled()
    assert asyncio.all_tasks() == before, "both racers must have finished with the race"


async def test_cancel_and_wait_reports_a_task_that_had_crashed():
    async def crash() -> None:
        raise KeyError("lost")

    task = asyncio.create_task(crash())
    await asyncio.sleep(0)
    with pytest.raises(KeyError):
        await cancel_and_wait(task)
