#!/usr/bin/env bash
# Builds the Pulumi engine (CLI v3.220.0 + the Python language host from sdk v3.79.0) and, optionally,
# the Kubernetes provider plugin from the Go module proxy, into a cache outside the repo.
# Why these versions: shared notes "pulumi-from-go.md" §1 (the proxy serves only some versions; CLI ≤ 3.220
# runs Python policy packs through the analyzer shim, which the only buildable host supports).
#
# Also builds actionlint (the workflow linter in the test command), which PyPI only ships as a source build.
# Usage: scripts/build-engine.sh engine|kubernetes [VERSION]|actionlint [--cached]
#   kubernetes VERSION: refuse unless the build is stamped VERSION (setup passes the pulumi-kubernetes it pins).
#   actionlint --cached: print the bin/ directory of an earlier build, or nothing; never build.
# Prints the bin/ directory on its last line. Fails with one sentence on stderr.
set -euo pipefail

PULUMI_VERSION=v3.220.0
HOST_SDK_VERSION=v3.79.0
K8S_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199
K8S_STAMP=4.25.0
ACTIONLINT_VERSION=v1.7.7   # the PyPI pulumi-kubernetes release this commit belongs to (pinned in constraints.txt)

CACHE=${TGI_FLEET_CACHE:-$HOME/.cache/tgi-fleet}
export GOMODCACHE=$CACHE/go/mod GOCACHE=$CACHE/go/build GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local
export CGO_ENABLED=0

die() { echo "setup: $*" >&2; exit 1; }
step() { echo "  [engine] $*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 || die "Go is not on PATH: install Go >= 1.24 (or put the official pulumi CLI >= 3.220 on PATH) and run setup again."
  local avail
  mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE: set TGI_FLEET_CACHE to a writable directory."
  avail=$(df -Pk "$CACHE" 2>/dev/null | awk 'NR==2{print $4}' || true)
  if [ -n "$avail" ] && [ "$avail" -lt $((4 * 1024 * 1024)) ]; then
    die "less than 4 GB of free disk under $CACHE: free some space (the Go build needs about 3 GB) and run setup again."
  fi
}

# go_step LOG MSG CMD... — runs a go command, logging; on failure turns the log into one sentence.
go_step() {
  local log=$1 msg=$2; shift 2
  step "$msg"
  if ! "$@" >>"$log" 2>&1; then
    if grep -qE 'GOPROXY=off|module lookup disabled' "$log"; then
      die "the Go module proxy is off (GOPROXY=off): set GOPROXY to a reachable proxy and run setup again (log: $log)."
    elif grep -qE '403 Forbidden|not available' "$log"; then
      die "the Go module proxy refused a module the build needs (403, final): see $log."
    elif grep -qiE 'dial tcp|no such host|connection refused|i/o timeout|TLS handshake' "$log"; then
      die "the Go module proxy ($(go env GOPROXY)) cannot be reached: check the network or GOPROXY and run setup again (log: $log)."
    elif grep -qiE 'no space left' "$log"; then
      die "the disk filled up during the Go build: free space under $CACHE and run setup again."
    fi
    die "'$msg' failed: see the last lines of $log."
  fi
}

build_engine() {
  local dist=$CACHE/pulumi-$PULUMI_VERSION
  if [ -x "$dist/bin/pulumi" ] && [ -x "$dist/bin/pulumi-language-python" ]; then echo "$dist/bin"; return; fi
  need_go
  local work=$CACHE/work/pulumi-$PULUMI_VERSION log=$CACHE/build-pulumi-$PULUMI_VERSION.log
  rm -rf "$work" "$dist.tmp"; mkdir -p "$work/cli" "$work/host" "$dist.tmp/bin"; : >"$log"
  step "building the Pulumi CLI $PULUMI_VERSION from the Go module proxy (first run only: ~5 min on 2 cores; log: $log)"

  # Fresh go.mod each time: one tidied for another version keeps stale indirect requires (notes §1.1).
  cat >"$work/cli/go.mod" <<GOMOD
module tgifleet.local/pulumi-cli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
GOMOD
  cat >"$work/host/go.mod" <<GOMOD
module tgifleet.local/pulumi-python-host

go 1.24

require github.com/pulumi/pulumi/sdk/v3 $HOST_SDK_VERSION

replace golang.org/x/text => golang.org/x/text v0.3.6

tool github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
GOMOD
  local flags=(-trimpath -tags osusergo,grpcnotrace)
  (cd "$work/cli" && go_step "$log" "[1/4] resolving CLI modules" go mod tidy)
  (cd "$work/cli" && go_step "$log" "[2/4] compiling pulumi $PULUMI_VERSION (the long step)" \
      go build "${flags[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$dist.tmp/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  (cd "$work/host" && go_step "$log" "[3/4] resolving the Python host (sdk $HOST_SDK_VERSION)" go mod tidy)
  (cd "$work/host" && go_step "$log" "[4/4] compiling pulumi-language-python" \
      go build "${flags[@]}" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$HOST_SDK_VERSION" \
      -o "$dist.tmp/bin/pulumi-language-python" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python)
  local host_sdk cli_sdk
  host_sdk=$(cd "$work/host" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
  cli_sdk=$(cd "$work/cli" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
  # Module zips drop the executable bit; the exec shim must sit beside the host binary (notes §2).
  install -m 0755 "$host_sdk/python/cmd/pulumi-language-python-exec" "$dist.tmp/bin/"
  install -m 0755 "$cli_sdk/python/dist/pulumi-resource-pulumi-python" "$dist.tmp/bin/"
  install -m 0755 "$cli_sdk/python/dist/pulumi-analyzer-policy-python" "$dist.tmp/bin/"
  [ "$("$dist.tmp/bin/pulumi" version)" = "$PULUMI_VERSION" ] || die "the built pulumi does not report $PULUMI_VERSION: see $log."
  rm -rf "$dist"; mv "$dist.tmp" "$dist"; rm -rf "$work"
  echo "$dist/bin"
}

build_kubernetes() {
  # A bump of constraints.txt without K8S_STAMP (or back) would install a provider under the wrong version.
  [ -z "${1:-}" ] || [ "$1" = "$K8S_STAMP" ] \
    || die "this script builds pulumi-resource-kubernetes $K8S_STAMP but constraints.txt pins pulumi-kubernetes $1: make K8S_STAMP in scripts/build-engine.sh match it."
  local dist=$CACHE/kubernetes-$K8S_STAMP
  if [ -x "$dist/bin/pulumi-resource-kubernetes" ]; then echo "$dist/bin"; return; fi
  need_go
  local work=$CACHE/work/kubernetes-$K8S_STAMP log=$CACHE/build-kubernetes-$K8S_STAMP.log
  rm -rf "$work" "$dist.tmp"; mkdir -p "$CACHE/work" "$dist.tmp/bin"; : >"$log"
  step "building pulumi-resource-kubernetes $K8S_STAMP from the Go module proxy (first run only: ~7 min on 2 cores; log: $log)"
  local src
  go_step "$log" "[1/4] downloading $K8S_MODULE@$K8S_PSEUDO" go mod download -json "$K8S_MODULE@$K8S_PSEUDO"
  src=$(go mod download -json "$K8S_MODULE@$K8S_PSEUDO" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src" ] || die "the Kubernetes provider module downloaded but its directory was not found: see $log."
  cp -r "$src" "$work"; chmod -R u+w "$work"
  # The module replaces sdk/v4 with a local path that does not exist in the zip (notes §1.5).
  (cd "$work" && go_step "$log" "[2/4] resolving provider modules" sh -c \
      "go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4 -require=github.com/pulumi/pulumi-kubernetes/sdk/v4@v4.24.0 && go mod tidy")
  (cd "$work/cmd/pulumi-resource-kubernetes" && go_step "$log" "[3/4] generating the embedded schema" \
      env VERSION=$K8S_STAMP go run ./generate.go)
  (cd "$work" && go_step "$log" "[4/4] compiling pulumi-resource-kubernetes (the long step)" \
      go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_STAMP" \
      -o "$dist.tmp/bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)
  rm -rf "$dist"; mv "$dist.tmp" "$dist"; rm -rf "$work"
  echo "$dist/bin"
}

build_actionlint() {
  local dist=$CACHE/actionlint-$ACTIONLINT_VERSION
  if [ -x "$dist/bin/actionlint" ]; then echo "$dist/bin"; return; fi
  [ "${1:-}" != --cached ] || return 0  # only asked where a built one is
  need_go
  local log=$CACHE/build-actionlint-$ACTIONLINT_VERSION.log
  rm -rf "$dist.tmp"; mkdir -p "$dist.tmp/bin"; : >"$log"
  GOBIN=$dist.tmp/bin go_step "$log" "building actionlint $ACTIONLINT_VERSION (first run only: ~1 min)" \
    go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  rm -rf "$dist"; mv "$dist.tmp" "$dist"
  echo "$dist/bin"
}

case "${1:-}" in
  engine) build_engine ;;
  kubernetes) build_kubernetes "${2:-}" ;;
  actionlint) build_actionlint "${2:-}" ;;
  *) die "usage: scripts/build-engine.sh engine|kubernetes [VERSION]|actionlint [--cached]" ;;
esac
