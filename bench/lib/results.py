"""results.py: the machine-readable result a benchmark leaves for its
chart (bench/lib/chart, run by `make bench`).

A benchmark calls record() once, after its report, with every run's
figure per case, Kiln's and its peer's (Linux, the empty-guest floor,
the baked port...). When KILN_BENCH_RESULTS names a directory (`make
bench` sets it to bench/results) the result goes to DIR/NAME.json;
otherwise nothing is written, so an ordinary run leaves the tree as it
was. The file holds raw runs, not summaries: the chart computes the
medians and the spread itself.

    {"bench": "http", "peer": "Linux", "command": "bench/http/run -n 7",
     "date": "2026-12-03T10:00:00Z", "load": [5.1, 4.2, 3.0], "cpus": 2,
     "note": "free text, one line",
     "cases": [{"name": "IPv4 -c8", "unit": "req/s", "better": "higher",
                "kiln": [11544.0, ...], "peer": [5357.0, ...]}, ...]}

`load` is /proc/loadavg's three averages when the result was written:
the host is shared, and a chart says how loaded it was. Standard
library only.
"""

import json
import os
import sys
import time

ENV = "KILN_BENCH_RESULTS"


def case(name, unit, kiln, peer, better="higher"):
    """One case: its name, unit, every run's figure for each side, and
    whether higher or lower figures are better (req/s or ms)."""
    return {"name": name, "unit": unit, "better": better,
            "kiln": [float(v) for v in kiln],
            "peer": [float(v) for v in peer]}


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return [float(v) for v in f.read().split()[:3]]
    except OSError:
        return []


def record(bench, cases, peer="Linux", note=""):
    """Write DIR/BENCH.json if KILN_BENCH_RESULTS=DIR; returns the path
    written, or None. cases: a list of case() dicts."""
    where = os.environ.get(ENV)
    if not where or not cases:
        return None
    result = {"bench": bench, "peer": peer,
              "command": " ".join(["bench/" + bench + "/run"] +
                                  sys.argv[1:]),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "load": load_average(), "cpus": os.cpu_count(),
              "note": note, "cases": cases}
    os.makedirs(where, exist_ok=True)
    path = os.path.join(where, bench + ".json")
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.rename(path + ".tmp", path)
    return path
