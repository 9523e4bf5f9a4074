"""The emulated truss server: a truss's model class, run as Baseten's truss server runs it.

What it models (truss 0.18's templates/server, model_wrapper.py and truss_server.py):
- the class `model_class_name` (default Model) from `<model_module_dir>/<model_class_filename>` (model/model.py),
  constructed with the keyword arguments its signature takes: `config` (config.yaml as a dict), `data_dir`,
  `secrets` (a mapping; values from TRUSS_SECRET_<name>, the environment form truss's SecretsResolver reads),
  `environment` (None);
- load() in a background thread, retried once after 1 s (NUM_LOAD_RETRIES_TRUSS=1); until it is done the
  readiness route answers 503, and when it fails the server exits (truss shuts down after a failed load);
- GET / (liveness), GET /v1/models/<name> (readiness, with the class's is_healthy() when it has one),
  POST /v1/models/<name>:predict (preprocess -> predict -> postprocess), POST /v1/chat/completions and
  /v1/completions (the class's chat_completions / completions; 404 without them);
- sync methods run in a worker thread, coroutines awaited; a generator result streams as
  application/octet-stream (gathered into one JSON string when the request says Accept: application/json and is
  not from the OpenAI client), a Response is returned as is, anything else is JSON;
- errors as truss answers them: {"error": ...}, an HTTPException's status and detail, 400 for a body that is not
  JSON, 500 "Internal Server Error" for anything else the model raises (its traceback in the log).
Run: TRUSS_DIR=<extracted truss> python -m emulator.baseten.truss_server --port N
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import inspect
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

SECRET_ENV_PREFIX = "TRUSS_SECRET_"
LOAD_RETRIES = 1
MODEL_ERROR = "Internal Server Error"
METHODS = ("preprocess", "predict", "postprocess", "chat_completions", "completions", "is_healthy")


class Secrets(Mapping[str, str]):
    """truss's Secrets: only the config's `secrets` names, each read when asked for; unset is an error."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        self._names = dict(names)

    def __getitem__(self, key: str) -> str:
        value = os.environ.get(SECRET_ENV_PREFIX + key) if key in self._names else None
        if not value:
            raise KeyError(f"Secret '{key}' not found. Please check available secrets.")
        return value

    def __iter__(self) -> Iterator[str]:
        raise NotImplementedError("Secrets are meant for lookup and can't be iterated on")

    def __len__(self) -> int:
        return len(self._names)


def load_config(truss_dir: Path) -> dict[str, Any]:
    """config.yaml with the defaults truss writes into the image's copy (model module, file and class)."""
    config: dict[str, Any] = yaml.safe_load((truss_dir / "config.yaml").read_text()) or {}
    return {"model_module_dir": "model", "model_class_filename": "model.py", "model_class_name": "Model",
            "secrets": {}, **config}


def model_class(truss_dir: Path, config: dict[str, Any]) -> Any:
    """The model class from the truss's model file (ImportError when it is not there)."""
    path = truss_dir / config["model_module_dir"] / config["model_class_filename"]
    if not path.is_file():
        raise ImportError(f"No module class file found: {path.relative_to(truss_dir)}")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"Could not import `{path}`")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return getattr(module, config["model_class_name"])


def construct(cls: Any, config: dict[str, Any], data_dir: Path) -> Any:
    """An instance, given the keyword arguments its signature accepts (as truss's _prepare_init_args)."""
    params = inspect.signature(cls).parameters
    anything = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values())
    offered = {"config": config, "data_dir": data_dir, "secrets": Secrets(config.get("secrets") or {}),
               "environment": None}
    return cls(**{k: v for k, v in offered.items() if anything or k in params})


def _arg_count(method: Any) -> int:
    return len(inspect.signature(method).parameters)


async def _call(method: Any, inputs: Any, request: Request) -> Any:
    args = (inputs, request)[:_arg_count(method)]
    if inspect.isgeneratorfunction(method) or inspect.isasyncgenfunction(method):
        return method(*args)
    if inspect.iscoroutinefunction(method):
        return await method(*args)
    return await asyncio.to_thread(method, *args)


async def _chunks(result: Any) -> AsyncIterator[Any]:
    if inspect.isasyncgen(result):
        async for chunk in result:
            yield chunk
        return
    done = object()
    while True:
        chunk = await asyncio.to_thread(next, result, done)  # a blocking generator must not block the loop
        if chunk is done:
            return
        yield chunk


class Server:
    """The model's state (loading, ready, failed) and the routes that serve it."""

    def __init__(self, truss_dir: Path) -> None:
        self.dir = truss_dir
        self.config = load_config(truss_dir)
        self.model: Any = None
        self.status = "LOADING"
        self.loaded = threading.Event()

    def load(self) -> None:
        """Import, construct and load the model; the thread stays (it owns what load() started)."""
        try:
            cls = model_class(self.dir, self.config)
            data_dir = self.dir / "data"
            data_dir.mkdir(exist_ok=True)
            self.model = construct(cls, self.config, data_dir)
            for attempt in range(LOAD_RETRIES + 1):
                try:
                    if hasattr(self.model, "load"):
                        self.model.load()
                    break
                except Exception:
                    if attempt == LOAD_RETRIES:
                        raise
                    print("Failed to load model. Retrying...", file=sys.stderr, flush=True)
                    time.sleep(1.0)
            self.status = "READY"
            print("Completed model.load()", flush=True)
        except Exception as exc:
            traceback.print_exc()
            print(f"Exception while loading model: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            os._exit(1)  # truss shuts its server down after a failed load; the platform restarts the container
        finally:
            self.loaded.set()
        threading.Event().wait()  # a process started by load() dies with this thread's process, not before

    async def ready(self) -> Response:
        if self.status != "READY":
            return _error(503, "Model is not ready.")
        check = getattr(self.model, "is_healthy", None)
        if check is not None:
            try:
                healthy = await (check() if inspect.iscoroutinefunction(check) else asyncio.to_thread(check))
            except Exception:
                healthy = False
            if not healthy:
                return _error(503, "Model is not ready.")
        return JSONResponse({})

    async def run(self, request: Request, name: str) -> Response:
        """An inference route: parse the body, call the model's method(s), shape the answer as truss does."""
        if self.status != "READY":
            return _error(503, "Model is not ready.")
        method = getattr(self.model, name, None)
        if method is None:
            return _error(404, f"`{name}` must only be called if model has it.")
        try:
            inputs = json.loads(await request.body())
        except json.JSONDecodeError as exc:
            return _error(400, f"Invalid JSON payload: {exc}")
        try:
            if name == "predict" and hasattr(self.model, "preprocess"):
                inputs = await _call(self.model.preprocess, inputs, request)
            result = await _call(method, inputs, request)
            if name == "predict" and hasattr(self.model, "postprocess") and not (
                    inspect.isgenerator(result) or inspect.isasyncgen(result) or isinstance(result, Response)):
                result = await _call(self.model.postprocess, result, request)
        except HTTPException as exc:
            return _error(exc.status_code, exc.detail)
        except Exception:
            traceback.print_exc()
            return _error(500, MODEL_ERROR)
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            openai = "openai" in request.headers.get("user-agent", "").lower()
            if request.headers.get("accept") == "application/json" and not openai:
                text = b"".join(c if isinstance(c, bytes) else str(c).encode() async for c in _chunks(result))
                return Response(json.dumps(text.decode()), media_type="application/json")
            return StreamingResponse(_chunks(result), media_type="application/octet-stream")
        if isinstance(result, Response):
            return result
        return Response(json.dumps(result), media_type="application/json")


def _error(status: int, message: Any) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(truss_dir: Path) -> FastAPI:
    """The truss server's routes over one model; load() starts with the app."""
    server = Server(truss_dir)
    app = FastAPI(title="Baseten Inference Server (emulated)", docs_url=None, redoc_url=None)
    app.state.server = server
    threading.Thread(target=server.load, name="load", daemon=True).start()

    @app.get("/")
    async def live() -> bool:
        return True

    @app.get("/v1/models/{model_name}")
    async def ready(model_name: str) -> Response:
        return await server.ready()

    @app.post("/v1/models/{model_name}:predict")
    async def predict(model_name: str, request: Request) -> Response:
        return await server.run(request, "predict")

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        return await server.run(request, "chat_completions")

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        return await server.run(request, "completions")

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve the truss in $TRUSS_DIR on 127.0.0.1:--port."""
    p = argparse.ArgumentParser(prog="python -m emulator.baseten.truss_server")
    p.add_argument("--port", type=int, default=int(os.environ.get("INFERENCE_SERVER_PORT", "8080")))
    args = p.parse_args(argv)
    truss_dir = Path(os.environ["TRUSS_DIR"]).resolve()
    uvicorn.run(create_app(truss_dir), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
