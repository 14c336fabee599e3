"""Where the database time of a load goes: the statements a server ran, from its log, with how
many ran and how long each took (mean and median), largest total first. Not a test: it reports
numbers.

    python3 bench/statement_times.py SERVER_LOG

The log must hold sqlx's statement lines, which the server writes with
VESTIBULE_LOG=warn,sqlx::query=debug (`BENCH_LOG=warn,sqlx::query=debug scripts/bench.sh …` starts
the servers so, and prints this table after the create load). A statement's time is measured
where the server awaits it: the round trip to the connection (its thread, for SQLite) and the
database's own work. Writing every statement to the log slows the server, so read the times
against each other, not the rates of that run against other runs.
"""

import re
import sys
from collections import defaultdict

LINE = re.compile(r'summary="([^"]*)".*?elapsed_secs=([0-9.eE+-]+)')


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    times = defaultdict(list)
    with open(sys.argv[1], errors="replace") as log:
        for line in log:
            m = LINE.search(re.sub(r"\x1b\[[0-9;]*m", "", line))
            if m:
                times[m.group(1)].append(float(m.group(2)) * 1e6)
    if not times:
        sys.exit(f"no statement lines in {sys.argv[1]} (was VESTIBULE_LOG=…,sqlx::query=debug?)")
    print(f"{'count':>7} {'mean µs':>8} {'median µs':>9} {'total ms':>9}  statement")
    for summary, t in sorted(times.items(), key=lambda kv: -sum(kv[1])):
        t.sort()
        print(f"{len(t):7d} {sum(t) / len(t):8.0f} {t[len(t) // 2]:9.0f} {sum(t) / 1000:9.0f}  {summary}")


if __name__ == "__main__":
    main()
