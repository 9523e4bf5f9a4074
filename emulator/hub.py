"""Not SaladCloud: a loopback stand-in for the Hugging Face Hub's auth check (GET /api/models/{repo}/auth-check),
which the program calls before renting a GPU for a gated model. Models and granted tokens: data/hub.json."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

HUB = Path(__file__).with_name("data") / "hub.json"


def hub_router(prefix: str = "/hub") -> APIRouter:
    """The Hub's auth-check route under `prefix` (point `secrets.hf_endpoint` at it)."""
    hub = json.loads(HUB.read_text())
    router = APIRouter(prefix=prefix)

    @router.get("/api/models/{owner}/{repo}/auth-check")
    async def hub_auth_check(request: Request, owner: str, repo: str) -> Response:
        model = hub["models"].get(f"{owner}/{repo}")
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        if model is None:
            return JSONResponse({"error": "Repository not found"}, status_code=401,
                                headers={"X-Error-Code": "RepoNotFound"})
        if not model["gated"] or token in hub["granted_tokens"]:
            return JSONResponse({"ok": True})
        if token is None:
            return JSONResponse({"error": "Access to this model is restricted: log in"}, status_code=401,
                                headers={"X-Error-Code": "GatedRepo"})
        return JSONResponse({"error": f"Access to model {owner}/{repo} is restricted"}, status_code=403,
                            headers={"X-Error-Code": "GatedRepo"})

    return router
