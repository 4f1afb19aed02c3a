"""Dependencies of the routes: the services they use and who is asking.

They are `async` and block nowhere (the write limiter, which counts in the
database, runs on a worker thread): FastAPI runs a plain `def` dependency
in its thread pool, and a request's handful of thread hops cost more than
the query it serves.
"""

from __future__ import annotations

import difflib
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api import positions
from api.auth import CHALLENGE, Principal, authenticate
from api.errors import Problem
from api.ports import ApiOptions, ReadSource, Services, ViewProgress
from domain.errors import FieldError, ValidationFailed
from domain.service import NewslineApplication
from domain.values import check_storable
from projections.stories import StoryReader
from projections.timeline import TimelineReader


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_options(request: Request) -> ApiOptions:
    options: ApiOptions = request.app.state.options
    return options


ServicesDep = Annotated[Services, Depends(get_services)]
OptionsDep = Annotated[ApiOptions, Depends(get_options)]


def _query_parameters(route: APIRoute) -> dict[str, bool]:
    """The query parameters a route and its dependencies declare, as clients spell
    them, each with whether it takes several values."""
    known: dict[str, bool] | None = getattr(route, "_query_parameters", None)
    if known is None:
        known = declared_query_parameters(route)
        route._query_parameters = known  # type: ignore[attr-defined]  # routes are not hashable
    return known


def declared_query_parameters(route: APIRoute) -> dict[str, bool]:
    declared: dict[str, bool] = {}
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        for field in dependant.query_params:
            declared.setdefault(field.alias, _takes_many(field.field_info.annotation))
        pending.extend(reversed(dependant.dependencies))
    return declared


def _takes_many(annotation: Any) -> bool:
    """Whether a parameter's type is a list (given as `kind=a&kind=b`)."""
    if get_origin(annotation) in (Union, UnionType):
        return any(_takes_many(member) for member in get_args(annotation))
    return get_origin(annotation) in (list, tuple, set) or annotation in (list, tuple, set)


async def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the operation does not take is 422, never silently ignored:
    `asof=` meant as `as_of=` would otherwise answer the latest view to a reader of the past.
    Pages outside the API document (the explorer) read their own query strings."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    known = _query_parameters(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    takes = f"it takes {', '.join(known)}" if known else "it takes no query parameters"
    errors = []
    for name in unknown:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"is not a query parameter of {request.method} {route.path}{hint}; {takes}"
        errors.append(FieldError(name[:100], message))
    # Given twice, a single-valued parameter would silently mean its last value.
    repeated = [
        name for name, many in known.items() if not many and len(request.query_params.getlist(name)) > 1
    ]
    errors += [FieldError(name, "is given more than once; give it once") for name in repeated]
    if errors:
        raise ValidationFailed(errors)


async def reject_unstorable_parameters(request: Request) -> None:
    """Path and query values with control characters or invalid Unicode are 422."""
    try:
        check_storable(dict(request.query_params))
        check_storable(dict(request.path_params))
    except ValueError as error:
        raise ValidationFailed.single("parameters", str(error)) from None


def wanted_position(request: Request) -> int | None:
    """The `Newsline-Position` a request asks its views to have reached (400 if malformed)."""
    try:
        return positions.parse(request.headers.getlist(positions.HEADER))
    except ValueError as error:
        raise Problem(400, str(error)) from None


async def check_parameters(request: Request) -> None:
    """The parameter checks every operation runs, as one dependency: FastAPI solves
    each dependency again on every request, which costs a read more than its query."""
    await reject_unknown_parameters(request)
    await reject_unstorable_parameters(request)
    wanted_position(request)


# The services are read from the app here rather than through `get_services`, for
# the same reason: one dependency each, not two.
def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_writer(request: Request) -> NewslineApplication:
    return _services(request).writer


# Methods whose answers may come from a standby; any other request reads the primary.
_READS = frozenset({"GET", "HEAD"})


async def read_source(request: Request) -> ReadSource:
    """The database that answers this request's reads, chosen once per request:
    a standby for a read, unless only the primary holds its `Newsline-Position`."""
    state = request.scope.setdefault("state", {})
    source: ReadSource | None = state.get("newsline_source")
    if source is None:
        reads = _services(request).reads
        if request.method in _READS:
            wanted = wanted_position(request)
            chosen = reads.choose_now(wanted)
            if chosen is None:  # it waits for a standby to reach the position: not on the event loop
                chosen = await run_in_threadpool(reads.choose, wanted)
        else:
            chosen = reads.primary()
        source, state[positions.CHOSEN] = chosen
        state["newsline_source"] = source
    return source


async def get_timeline(request: Request) -> TimelineReader:
    return (await read_source(request)).timeline


async def get_stories(request: Request) -> StoryReader:
    return (await read_source(request)).stories


async def get_progress(request: Request) -> ViewProgress:
    return _services(request).progress


AppDep = Annotated[NewslineApplication, Depends(get_writer)]
TimelineDep = Annotated[TimelineReader, Depends(get_timeline)]
StoriesDep = Annotated[StoryReader, Depends(get_stories)]
ProgressDep = Annotated[ViewProgress, Depends(get_progress)]


async def require_writer(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    principal = authenticate(services.principals, authorization)
    if principal is None or authorization is None:
        raise Problem(401, "writes need 'Authorization: Bearer <token>'", CHALLENGE)
    if not principal.can_write:
        raise Problem(
            403, f"principal {principal.name!r} has role {principal.role!r}; writes need editor or admin"
        )
    await run_in_threadpool(services.write_limiter.hit, principal.name)  # counts in the database
    return principal


async def require_admin(principal: Annotated[Principal, Depends(require_writer)]) -> Principal:
    if principal.role != "admin":
        raise Problem(403, f"principal {principal.name!r} has role {principal.role!r}; this needs admin")
    return principal


async def require_reader(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Principal | None:
    principal = authenticate(_services(request).principals, authorization)
    options: ApiOptions = request.app.state.options
    if principal is None and options.reads_require_auth:
        raise Problem(401, "reads need 'Authorization: Bearer <token>' on this server", CHALLENGE)
    return principal


Writer = Annotated[Principal, Depends(require_writer)]
Reader = Annotated[Principal | None, Depends(require_reader)]
Admin = Annotated[Principal, Depends(require_admin)]
