"""Routing facts shared by the emulated servers."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The Allow header for a 405: every method some route serves at this path (HEAD goes without saying).

    Starlette answers with the methods of the first route that matches the path only, so a path served by one route
    per method would list one of them."""
    methods: set[str] = set()
    for route in routes:
        for method in getattr(route, "methods", None) or ():
            match, _ = route.matches({**scope, "method": method})
            if match == Match.FULL:
                methods.add(method)
    return ", ".join(sorted(methods - {"HEAD"}))
