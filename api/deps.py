"""Dependencies of the routes: the wired Newsline and who is asking.

They are `async` and block nowhere (the write limiter, which counts in the
database, runs on a worker thread): FastAPI runs a plain `def` dependency
in its thread pool, and a request's handful of thread hops cost more than
the query it serves.
"""

from __future__ import annotations

import difflib
import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.errors import Problem
from api.rate_limit import WriteLimiter
from domain.errors import FieldError, ValidationFailed
from domain.service import NewslineApplication
from domain.values import check_storable
from newsline.bootstrap import Newsline
from newsline.settings import Principal
from projections.stories import StoryReader
from projections.timeline import TimelineReader


async def get_newsline(request: Request) -> Newsline:
    newsline: Newsline = request.app.state.newsline
    return newsline


NewslineDep = Annotated[Newsline, Depends(get_newsline)]


def _query_parameters(route: APIRoute) -> tuple[str, ...]:
    """The query parameters a route and its dependencies declare, as clients spell them."""
    known: tuple[str, ...] | None = getattr(route, "_query_parameters", None)
    if known is None:
        known = _declared_query_parameters(route)
        route._query_parameters = known  # type: ignore[attr-defined]  # routes are not hashable
    return known


def _declared_query_parameters(route: APIRoute) -> tuple[str, ...]:
    names: list[str] = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names += [field.alias for field in dependant.query_params]
        pending.extend(reversed(dependant.dependencies))
    return tuple(dict.fromkeys(names))


async def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the operation does not take is 422, never silently ignored:
    `asof=` meant as `as_of=` would otherwise answer the latest view to a reader of the past.
    Pages outside the API document (the explorer) read their own query strings."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    known = _query_parameters(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    if not unknown:
        return
    takes = f"it takes {', '.join(known)}" if known else "it takes no query parameters"
    errors = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"is not a query parameter of {request.method} {route.path}{hint}; {takes}"
        errors.append(FieldError(name[:100], message))
    raise ValidationFailed(errors)


async def reject_unstorable_parameters(request: Request) -> None:
    """Path and query values with control characters or invalid Unicode are 422."""
    try:
        check_storable(dict(request.query_params))
        check_storable(dict(request.path_params))
    except ValueError as error:
        raise ValidationFailed.single("parameters", str(error)) from None


async def get_app(newsline: NewslineDep) -> NewslineApplication:
    return newsline.app


async def get_timeline(newsline: NewslineDep) -> TimelineReader:
    return newsline.timeline.reader


async def get_stories(newsline: NewslineDep) -> StoryReader:
    return newsline.stories.reader


AppDep = Annotated[NewslineApplication, Depends(get_app)]
TimelineDep = Annotated[TimelineReader, Depends(get_timeline)]
StoriesDep = Annotated[StoryReader, Depends(get_stories)]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="newsline"'}


def _principal(newsline: Newsline, authorization: str | None) -> Principal | None:
    """The principal of a bearer token, compared in constant time."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "use 'Authorization: Bearer <token>'", _CHALLENGE)
    presented = token.strip().encode()
    found = None
    for candidate, principal in newsline.principals.items():
        if hmac.compare_digest(candidate.encode(), presented):
            found = principal
    if found is None:
        raise Problem(401, "the token is not valid", _CHALLENGE)
    return found


async def require_writer(
    request: Request, newsline: NewslineDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    principal = _principal(newsline, authorization)
    if principal is None or authorization is None:
        raise Problem(401, "writes need 'Authorization: Bearer <token>'", _CHALLENGE)
    if not principal.can_write:
        raise Problem(
            403, f"principal {principal.name!r} has role {principal.role!r}; writes need editor or admin"
        )
    limiter: WriteLimiter = request.app.state.write_limiter
    await run_in_threadpool(limiter.hit, principal.name)  # counts in the database
    return principal


async def require_reader(
    newsline: NewslineDep, authorization: Annotated[str | None, Header()] = None
) -> Principal | None:
    principal = _principal(newsline, authorization)
    if principal is None and newsline.settings.reads_require_auth:
        raise Problem(401, "reads need 'Authorization: Bearer <token>' on this server", _CHALLENGE)
    return principal


Writer = Annotated[Principal, Depends(require_writer)]
Reader = Annotated[Principal | None, Depends(require_reader)]
