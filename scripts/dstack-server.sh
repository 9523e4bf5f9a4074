#!/usr/bin/env bash
# A local dstack server for the dstack stacks (dstack-dev, dstack-gptq), from .venv-dstack (made by setup).
#   scripts/dstack-server.sh start   start it in the background on 127.0.0.1:${DSTACK_PORT:-3000}, wait until it
#                                    answers, print the stack config commands (`make dstack-server`)
#   scripts/dstack-server.sh stop    stop it (`make dstack-server-stop`)
# Its home is .dstack-server/: the database, the admin token (token), the log (server.log) and server/config.yml,
# where backends go (https://dstack.ai/docs/reference/server/config.yml). With no backend and no fleet, runs end
# with dstack's "no capacity" failure, which `pulumi up` reports with the fix.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
home=$root/.dstack-server
port=${DSTACK_PORT:-3000}
pidfile=$home/server.pid
alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-start}" in
  start)
    [ -x .venv-dstack/bin/dstack ] || { echo "dstack-server: .venv-dstack is missing: run make setup" >&2; exit 1; }
    if alive; then
      echo "dstack-server: already running (pid $(cat "$pidfile")) at http://127.0.0.1:$port"
    else
      mkdir -p "$home"
      [ -s "$home/token" ] || { .venv/bin/python -c 'import secrets; print(secrets.token_hex(20))' >"$home/token"; chmod 600 "$home/token"; }
      # --no: never write ~/.dstack/config.yml; the server's own files stay in .dstack-server/.
      # The admin token goes by environment (dstack's server reads DSTACK_SERVER_ADMIN_TOKEN when it creates the
      # admin, services/users.py), not the --token flag: a command line is readable by every local user in /proc/*/cmdline.
      DSTACK_SERVER_ADMIN_TOKEN="$(cat "$home/token")" DSTACK_SERVER_DIR="$home/server" \
        nohup .venv-dstack/bin/dstack server --host 127.0.0.1 --port "$port" --no >>"$home/server.log" 2>&1 &
      echo $! >"$pidfile"
      .venv/bin/python - "$port" "$pidfile" <<'PY' || { echo "dstack-server: it did not start; see .dstack-server/server.log" >&2; exit 1; }
import os, sys
import httpx
from emulator.procs import wait_until_up
port, pid = sys.argv[1], int(open(sys.argv[2]).read())
def answers() -> bool:
    os.kill(pid, 0)  # ProcessLookupError: it exited (the log says why)
    return httpx.post(f"http://127.0.0.1:{port}/api/server/get_info", timeout=2).status_code == 200
wait_until_up(answers, "dstack server", timeout_s=180, poll_s=0.2)
PY
      echo "dstack-server: dstack $(.venv-dstack/bin/python -c 'import dstack.version as v; print(v.__version__)') at http://127.0.0.1:$port (log: .dstack-server/server.log)"
    fi
    echo "point a stack at it (tgi-fleet:dstack.server_url defaults to http://127.0.0.1:3000, project main):"
    echo "  scripts/pulumi config set --stack dstack-dev --secret dstack_token \"\$(cat .dstack-server/token)\""
    echo "stop it: make dstack-server-stop"
    ;;
  stop)
    if alive; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "dstack-server: stopped"
    else
      echo "dstack-server: not running"
    fi
    rm -f "$pidfile"
    ;;
  *) echo "usage: scripts/dstack-server.sh start|stop" >&2; exit 2 ;;
esac
