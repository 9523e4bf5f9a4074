"""Turn `pulumi preview --policy-pack` output into the Markdown the pull-request comment shows."""

from __future__ import annotations

import argparse
import re
import sys

VIOLATION = re.compile(r"^\s*- \[(mandatory|advisory|remediate)\]\s+(\S+)\s+\((.+)\)\s*$")


def summarize(text: str, stack: str, exit_code: int) -> str:
    """Markdown: verdict, resource changes, policy violations, then the full output folded."""
    lines = text.splitlines()
    changes = _section(lines, "Resources:")
    violations = []
    for i, line in enumerate(lines):
        m = VIOLATION.match(line)
        if m:
            # The policy's description follows, then the message(s), until the next item or a blank line.
            body = []
            for nxt in lines[i + 2 :]:
                if not nxt.strip() or VIOLATION.match(nxt) or not nxt.startswith(" " * 10):
                    break
                body.append(nxt.strip())
            violations.append(f"- **{m.group(1)}** `{m.group(2)}` on `{m.group(3)}`: {' '.join(body)}")
    verdict = "passed" if exit_code == 0 else f"failed (exit {exit_code})"
    icon = "✅" if exit_code == 0 else "❌"
    out = [f"### {icon} `pulumi preview --stack {stack} --policy-pack policies` {verdict}", ""]
    out += ["**Changes**", "```", *(changes or ["(no resource summary: see the full output)"]), "```", ""]
    out += ["**Policy violations**", *(violations or ["none"]), ""]
    out += ["<details><summary>Full preview</summary>", "", "```", *lines[-400:], "```", "</details>", ""]
    return "\n".join(out)


def _section(lines: list[str], header: str) -> list[str]:
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == header)
    except StopIteration:
        return []
    body = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        body.append(line.strip())
    return body


def main() -> int:
    """Read the preview output on stdin, print Markdown."""
    p = argparse.ArgumentParser()
    p.add_argument("--stack", required=True)
    p.add_argument("--exit-code", type=int, required=True)
    args = p.parse_args()
    sys.stdout.write(summarize(sys.stdin.read(), args.stack, args.exit_code))
    return 0


if __name__ == "__main__":
    sys.exit(main())
