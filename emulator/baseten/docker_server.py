"""The emulated container of a `docker_server` truss: its start command run as truss's server image runs it.

What Baseten does (basetenlabs/truss, commit 0bee989b9ec85ed9d29374ab4d7e2883e49de87e):
- supervisord runs docker_server.start_command as its program `command` (truss/contexts/image_builder/
  serving_image_builder.py, generate_docker_server_supervisord_config): split like a shell (supervisor's
  process.py get_execv_args: shlex.split), run without one, so `sh -c "..."` runs a script; autorestart is off
  and the container stops when the server exits (the platform restarts it);
- the truss's secrets are files /secrets/<name> (docs.baseten.co/development/model/secrets), which a start
  command reads with `NAME=$(cat /secrets/<name>)`;
- nginx listens on 8080 (truss/templates/docker_server/proxy.conf.jinja) and forwards the readiness route to
  readiness_endpoint, predict to predict_endpoint and every other path to 127.0.0.1:server_port unchanged.

Emulated here: the start command is read as supervisord and sh would read the forms trusses use
(`prog args`, `sh -c "A=$(cat /secrets/x) B=v [exec] prog "$VAR" args"`, steps joined by `&&` whose earlier steps are
known no-ops such as truss-transfer-cli); a resolver says which local process stands in for the program in the
image (TGI's launcher -> the simulated TGI; the engines' images are added by whoever wires them); the server's
`--port` is checked against server_port: another port is one nginx never reaches (the replica never turns
ready), and 8080 is nginx's own (the server dies with [Errno 98]). The stand-in listens on the supervisor's
loopback port: the container's own network namespace, mapped.
Run (a server that cannot start): python -m emulator.baseten.docker_server --exit MESSAGE --port N
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Protocol

from emulator.baseten import launcher

NGINX_PORT = 8080
SECRETS_DIR = "/secrets/"
SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash"})
# Steps before the server in truss-examples' start commands that have nothing to do here: truss-transfer-cli
# fetches model_cache weights into the image's cache (gemma/gemma-3-27b-it/config.yaml).
NO_OP_STEPS = frozenset({"truss-transfer-cli"})
_SECRET_READ = re.compile(r"\$\(\s*cat\s+" + re.escape(SECRETS_DIR) + r"(?P<name>[A-Za-z0-9_.-]+)\s*\)")
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<name>[A-Za-z_][A-Za-z0-9_]*))")
_MARK = "\x00{}:{}\x00"
_MARKED = re.compile("\x00(?P<kind>secret|env):(?P<name>[^\x00]+)\x00")
_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$", re.S)
EXIT_MODULE = "emulator.baseten.docker_server"


class StartCommandError(ValueError):
    """A start command the emulator cannot run (the message says which form it takes)."""


@dataclass(frozen=True)
class Command:
    """What the server process is: its argv, the env the shell gave it, and what the shell printed."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    stderr: tuple[str, ...] = ()  # e.g. cat's complaint about a secret that is not mounted


class Process(Protocol):
    """What stands in for a server here: its command line on a given loopback port, and env it adds."""

    @property
    def env(self) -> Mapping[str, str]: ...

    def argv(self, port: int) -> list[str]: ...


@dataclass(frozen=True)
class Launch:
    """A stand-in that is a module of this emulator: `python -m module *args --port N`, with env added."""

    module: str
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def argv(self, port: int) -> list[str]:
        """Its command line, listening on 127.0.0.1:port."""
        return [sys.executable, "-m", self.module, *self.args, "--port", str(port)]


@dataclass(frozen=True)
class WithEnv:
    """Another stand-in with the container's env under its own."""

    process: Process
    env: Mapping[str, str]

    def argv(self, port: int) -> list[str]:
        """The stand-in's command line."""
        return self.process.argv(port)


Resolver = Callable[[str, Sequence[str]], Process | None]
"""(image, the server's argv) -> the process that stands in for it here, None when this emulator has none; an
exception's message says why the image cannot run (e.g. emulator/images.py's ImageError)."""


def first_of(*resolvers: Resolver) -> Resolver:
    """A resolver that asks each in turn (e.g. TGI's launcher, then the engines' image table)."""
    def resolve(image: str, argv: Sequence[str]) -> Process | None:
        for resolver in resolvers:
            found = resolver(image, argv)
            if found is not None:
                return found
        return None
    return resolve


def read_start_command(start_command: str, secret_files: Mapping[str, str],
                       env: Mapping[str, str] | None = None) -> Command:
    """The server's argv and env from docker_server.start_command; secret_files: /secrets/<name> -> content;
    env: the container's environment (the truss's environment_variables), which `$NAME` reads."""
    try:
        words = shlex.split(start_command)  # supervisord's split
    except ValueError as exc:
        raise StartCommandError(f"supervisord cannot parse the start command: {exc}") from None
    if not words:
        raise StartCommandError("the start command is empty")
    if words[0] not in SHELLS:
        if any("$" in w for w in words):
            raise StartCommandError("supervisord runs the start command without a shell: a `$` reaches the "
                                    "server as is; wrap it in sh -c \"...\"")
        return Command(tuple(words))
    if len(words) < 3 or words[1] != "-c":
        raise StartCommandError(f"the emulator runs `{words[0]} -c SCRIPT`, not {words[1:]}")
    return _script(words[2], secret_files, dict(env or {}))


def _script(script: str, secret_files: Mapping[str, str], variables: dict[str, str]) -> Command:
    stderr: list[str] = []

    def read(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in secret_files:
            stderr.append(f"cat: {SECRETS_DIR}{name}: No such file or directory")
        return _MARK.format("secret", name)

    marked = _SECRET_READ.sub(read, script)
    marked = _VARIABLE.sub(lambda m: _MARK.format("env", m["braced"] or m["name"]), marked)
    if "$" in marked or "`" in marked:
        raise StartCommandError("the emulator's shell expands only $NAME, ${NAME} and $(cat /secrets/<name>) in a "
                                "start command")
    lexer = shlex.shlex(marked, posix=True, punctuation_chars="&;|")
    lexer.whitespace_split = True
    steps: list[list[str]] = [[]]
    for token in lexer:
        if token in ("&&", ";"):
            steps.append([])
        elif token and set(token) <= set("&;|"):
            raise StartCommandError(f"the emulator's shell runs steps joined by && or ;, not {token!r}")
        else:
            steps[-1].append(token)
    *before, last = [s for s in steps if s]
    unknown = [s[0] for s in before if s[0] not in NO_OP_STEPS]
    if unknown:
        raise StartCommandError(f"the emulator knows no step {unknown[0]!r} before the server")
    def expand(word: str) -> str:
        def value(m: re.Match[str]) -> str:
            if m["kind"] == "secret":
                return secret_files.get(m["name"], "").rstrip("\n")  # $(...) drops trailing newlines
            return variables.get(m["name"], "")  # an unset variable is empty
        return _MARKED.sub(value, word)

    env: dict[str, str] = {}
    while last and _ASSIGNMENT.match(last[0]):
        assigned = _ASSIGNMENT.match(last.pop(0))
        assert assigned is not None
        # `A=x prog`: the assignment is for prog's environment; sh expands it first.
        env[assigned["name"]] = expand(assigned["value"])
    if last and last[0] == "exec":
        last.pop(0)
    if not last:
        raise StartCommandError("the script runs no server")
    return Command(tuple(expand(w) for w in last), env, tuple(stderr))


def port_of(argv: Sequence[str]) -> int | None:
    """The port the server's argv binds (`--port N` or `--port=N`), None when it names none."""
    for i, word in enumerate(argv):
        value = argv[i + 1] if word == "--port" and i + 1 < len(argv) else (
            word.split("=", 1)[1] if word.startswith("--port=") else None)
        if value is not None:
            try:
                return int(value)
            except ValueError:
                return None
    return None


def tgi_launcher(image: str, argv: Sequence[str]) -> Launch | None:
    """TGI's `text-generation-launcher FLAGS` (in any image) -> the simulated TGI with the flags as its env."""
    if not argv or PurePosixPath(argv[0]).name != launcher.NAME:
        return None
    env = launcher.flags_env(list(argv[1:]))
    for owned in ("PORT", "HOSTNAME"):  # the supervisor picks the port; replicas listen on loopback
        env.pop(owned, None)
    return Launch("emulator.replica", (), env)


def exit_launch(message: str) -> Launch:
    """A server that prints message on stderr and exits 1 (it could not start)."""
    return Launch(EXIT_MODULE, ("--exit", message))


@dataclass(frozen=True)
class Container:
    """What runs for a docker_server truss: the stand-in, and whether nginx reaches it at all."""

    launch: Process
    reachable: bool  # False: the server listens on another port than server_port
    stderr: tuple[str, ...] = ()


def container(config: Mapping[str, Any], secret_files: Mapping[str, str], resolve: Resolver) -> Container:
    """The replica process of a docker_server truss; StartCommandError when the emulator cannot run it."""
    server = config.get("docker_server") or {}
    plain = {k: str(v) for k, v in (config.get("environment_variables") or {}).items()}
    command = read_start_command(str(server.get("start_command") or ""), secret_files, plain)
    image = str((config.get("base_image") or {}).get("image") or "")
    try:
        found = resolve(image, command.argv)
    except Exception as exc:  # the resolver's own refusal (an image it knows that cannot run this command)
        raise StartCommandError(f"{image} cannot run {command.argv[0]!r} here: {exc}") from None
    if found is None:
        raise StartCommandError(f"the emulator has no stand-in for {command.argv[0]!r} (image {image!r})")
    launch = WithEnv(found, {**plain, **command.env, **found.env})
    port = port_of(command.argv)
    if port == NGINX_PORT:
        return Container(exit_launch(f"OSError: [Errno 98] error while attempting to bind on address "
                                     f"('0.0.0.0', {NGINX_PORT}): address already in use"), True, command.stderr)
    wanted = server.get("server_port")
    return Container(launch, port is None or wanted is None or port == int(wanted), command.stderr)


def main(argv: list[str] | None = None) -> int:
    """A server that could not start: say why on stderr and exit 1."""
    p = argparse.ArgumentParser(prog=f"python -m {EXIT_MODULE}")
    p.add_argument("--exit", required=True)
    p.add_argument("--port", type=int)
    args = p.parse_args(argv)
    print(args.exit, file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
