"""The baseline server: a bare FastAPI endpoint answering fixed bytes, served like `newsline serve`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

from entrypoints.serving import HTTP_STACK

body = Path(os.environ["BENCH_BODY"]).read_bytes()
app = FastAPI()


@app.get("/same")
def same() -> Response:
    return Response(body, media_type="application/json")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, **HTTP_STACK)
