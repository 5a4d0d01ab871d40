#!/usr/bin/env bash
# Clone this repository into an empty folder, run `make run` there as a newcomer would
# (nothing set in the environment), wait for the sign-in page, sign a demo customer in, stop.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git clone --quiet . "$work/caseloop"
log="$work/make-run.log"
(cd "$work/caseloop" && exec env -u DATABASE_URL -u REDIS_URL -u CASELOOP_ENV -u SECRET_KEY \
  PORT="$port" setsid make run >"$log" 2>&1) &
server=$!
stop() { kill -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap 'stop; rm -rf "$work"' EXIT
if ! python3 .ci/first_run.py "http://127.0.0.1:$port"; then
  echo "make run in a fresh clone did not serve the demo; its output:" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
