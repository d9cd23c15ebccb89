#!/bin/bash
# The mutations the code reviews of issue 32 found surviving the suite (M2, M5, M6), applied one at a time;
# each line must say "failed": a test catches it. The source is restored after each.
#     bash bench/mutations.sh
set -u
tmp=$(mktemp)
cd "$(dirname "$0")/.."
run() {
  name=$1; file=$2; old=$3; new=$4; shift 4
  cp $file "$tmp"
  python3 - "$file" "$old" "$new" <<'PY'
import sys
p, old, new = sys.argv[1:4]
s = open(p).read()
assert s.count(old) == 1, (old, s.count(old))
open(p, "w").write(s.replace(old, new))
PY
  out=$(timeout 600 .venv/bin/python -m pytest -q -x -p no:cacheprovider "$@" 2>&1 | tail -1)
  cp "$tmp" $file
  echo "$name: $out"
}
run "M2 delivery: a stopped clock's notice still goes" monitor/clocks/policy.py "    if not q.clock_open:
        return Reason.CLOCK_STOPPED
" "" tests/test_policy.py tests/test_delivery.py tests/test_outbox.py
run "M5 first_published start ignored" monitor/clocks/policy.py "        return min(t.first_published_at, t.first_seen_at), \"first_published\"" "        return t.first_seen_at, \"first_published\"" tests/test_policy.py tests/test_end_to_end.py
run "M6 broken after 4 failures" monitor/judge/health.py "BROKEN_AFTER = 3 " "BROKEN_AFTER = 4 " tests/test_health.py tests/test_collect.py
