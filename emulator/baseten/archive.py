"""A truss archive as the emulated build reads it: the tar `truss push` uploads, unpacked, its config.yaml parsed."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from typing import Any

import yaml

CONFIG_FILE = "config.yaml"


def unpack(archive: bytes, into: Path) -> dict[str, Any]:
    """Unpack the archive into a fresh directory; its config.yaml as a dict. ValueError when it is no truss."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            for member in tar.getmembers():
                # Only plain files and directories inside the truss (no absolute paths, '..', links, devices).
                if not (member.isfile() or member.isdir()) or Path(member.name).is_absolute() or \
                        ".." in Path(member.name).parts:
                    raise ValueError(f"{member.name!r} is not a file of a truss")
            tar.extractall(into)
    except (tarfile.TarError, OSError) as exc:
        raise ValueError(f"not a truss archive: {exc}") from None
    path = into / CONFIG_FILE
    if not path.is_file():
        raise ValueError(f"{CONFIG_FILE} is not a file in the archive")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"{CONFIG_FILE} is not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{CONFIG_FILE} is not a mapping")
    return data
