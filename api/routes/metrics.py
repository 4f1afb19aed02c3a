"""Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.observability import registry_with_store

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    """Requests by route, events appended, projection positions and lag, event store size."""
    return Response(generate_latest(registry_with_store(request.app)), media_type=CONTENT_TYPE_LATEST)
