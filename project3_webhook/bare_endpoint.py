"""The benchmark's reference: a FastAPI endpoint that only acknowledges, doing no work at all.

`uvicorn project3_webhook.bare_endpoint:app` — the service is measured against this, run with the
same uvicorn options under the same load, so the ratio shows what reading, checking and logging
each delivery costs.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(title="Bare acknowledgement")


@app.post("/webhook")
async def acknowledge() -> dict[str, str]:
    """Answer as the service does, without reading or logging anything."""
    return {"status": "received"}
