#!/usr/bin/env bash
# Dependency audit: pip-audit against the project's virtualenv.
#
#   scripts/audit.sh            audit .venv (or $PYTHON's environment)
#
# Exit codes: 0 = audited, no known vulnerabilities; 1 = vulnerabilities found;
# 2 = pip-audit itself failed; 3 = skipped: no advisory database was reachable.
# CI treats 3 as "not run" (it must not fail on network unavailability) and 1
# as a failure. The first line of output says which case it was.
#
# Why the extra logic: pip-audit's default service reads advisories from
# PyPI's JSON API. Where only the package index (/simple) is reachable, as on
# machines behind a PyPI mirror, every package comes back "not found on PyPI"
# and pip-audit still prints "No known vulnerabilities found" with exit 0.
# That is not a clean audit, so it is reported as skipped here. OSV
# (api.osv.dev) is tried as the second advisory source.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
SERVICES=${AUDIT_SERVICES:-"pypi osv"}
TIMEOUT=${AUDIT_TIMEOUT:-300}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! "$PY" -m pip_audit --version >/dev/null 2>&1; then
  if ! "$PY" -m pip install -q pip-audit >"$WORK/install.log" 2>&1; then
    echo "audit: skipped (pip-audit is not installed and could not be installed)"
    tail -3 "$WORK/install.log" >&2
    exit 3
  fi
fi

reasons=()
for service in $SERVICES; do
  out="$WORK/$service.json"
  timeout "$TIMEOUT" "$PY" -m pip_audit --progress-spinner off --vulnerability-service "$service" \
    --format json --output "$out" >"$WORK/$service.stdout" 2>"$WORK/$service.stderr"
  rc=$?
  verdict=$("$PY" - "$out" "$rc" "$WORK/$service.stderr" <<'PYEOF'
import json
import sys

path, rc, stderr_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stderr = open(stderr_path, encoding="utf-8", errors="replace").read()
network = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "Temporary failure in name resolution",
           "timed out", "Connection refused")
try:
    data = json.load(open(path, encoding="utf-8"))
except (OSError, ValueError):
    if rc == 124 or any(n in stderr for n in network):
        print("unreachable|advisory service not reachable")
    else:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {rc}"
        print(f"error|{last}")
    sys.exit(0)
deps = data.get("dependencies", [])
audited = [d for d in deps if not d.get("skip_reason")]
skipped = [d for d in deps if d.get("skip_reason")]
vulns = [(d["name"], d["version"], v["id"], ",".join(v.get("fix_versions") or []) or "no fix")
         for d in audited for v in d.get("vulns", [])]
if vulns:
    listing = "; ".join(f"{n} {ver}: {vid} (fix: {fix})" for n, ver, vid, fix in vulns)
    print(f"vulnerable|{len(vulns)} known vulnerabilities in {len(audited)} audited packages: {listing}")
elif not audited:
    print(f"unreachable|none of {len(deps)} packages could be looked up ({skipped[0]['skip_reason'] if skipped else 'empty'})")
else:
    print(f"ok|{len(audited)} packages audited, no known vulnerabilities ({len(skipped)} not on the index, e.g. local)")
PYEOF
)
  kind=${verdict%%|*}
  detail=${verdict#*|}
  case "$kind" in
    ok) echo "audit: ok via $service: $detail"; exit 0 ;;
    vulnerable) echo "audit: FAILED via $service: $detail"; exit 1 ;;
    error) echo "audit: pip-audit failed via $service: $detail"; exit 2 ;;
    *) reasons+=("$service: $detail") ;;
  esac
done
echo "audit: skipped (no advisory database reachable: ${reasons[*]})"
exit 3
