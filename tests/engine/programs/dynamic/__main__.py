"""A dynamic resource that writes a file, plus a secret config value, to prove the engine path."""

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


class FileProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        Path(props["path"]).write_text(props["content"])
        return CreateResult(id_=props["path"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in ("path", "content") if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=["path"] if "path" in changed else [])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        Path(news["path"]).write_text(news["content"])
        return UpdateResult(outs=news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(id_)
        if not path.exists():
            return ReadResult(id_="", outs={})  # gone: refresh drops it from state
        return ReadResult(id_=id_, outs={**props, "content": path.read_text()})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        Path(id_).unlink(missing_ok=True)


class ProbeFile(Resource):
    content: pulumi.Output[str]

    def __init__(self, name: str, path: str, content: str) -> None:
        super().__init__(FileProvider(), name, {"path": path, "content": content})


config = pulumi.Config()
token = config.require_secret("token")
target = config.require("path")
probe = ProbeFile("probe", target, config.get("content") or "hello")
pulumi.export("path", target)
pulumi.export("token", token)
pulumi.export("content", probe.content)
