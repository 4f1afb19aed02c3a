"""The baseline servers, served like `newsline serve` (uvicorn, httptools, uvloop, one process).

- `GET /same`: a bare FastAPI endpoint answering fixed bytes (the read baseline);
- `POST /v1/occurrences`: the library's own `app.save()` of one minimal aggregate per
  request, on the same database (the write baseline): what a service built on the
  event store with no more than the library gives would answer.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse, Response

from bench.baselines import Note, save_loop_application
from entrypoints.serving import HTTP_STACK

body = Path(os.environ["BENCH_BODY"]).read_bytes()
store = save_loop_application(os.environ["NEWSLINE_DATABASE_URL"], os.environ["NEWSLINE_DATABASE_SCHEMA"])


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    store.close()


app = FastAPI(lifespan=lifespan)


@app.get("/same")
def same() -> Response:
    return Response(body, media_type="application/json")


@app.post("/v1/occurrences", status_code=201)
def save(item: dict[str, Any] = Body()) -> JSONResponse:
    note = Note(str(item.get("title")))
    store.save(note)
    return JSONResponse({"id": str(note.id), "version": note.version}, 201)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, **HTTP_STACK)
