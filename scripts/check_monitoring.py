#!/usr/bin/env python3
"""Checks that every metric the Grafana dashboard and the Prometheus alerting rules in
packaging/monitoring/ reference is one cistern exports.

usage: check_monitoring.py <exposition.prom> <dashboard.json> <rules.yml>

The exposition is the output of tests/monitor's monitor_prometheus_dump. A histogram's
_bucket/_sum/_count series count as the histogram. Exits 1 naming each unknown metric.

PENDING_RENAMES: the dashboard and rules use the OpenTelemetry names of issue 11
(db_client_connection_*); until that rename is merged cistern still exports the older
db_client_connections_* names, so each new name is also accepted as its old one. Delete
an entry when the exposition has the new name (the check then holds it to that name).
"""
import json
import re
import sys

PENDING_RENAMES = {
    "db_client_connection_count": "db_client_connections_usage",
    "db_client_connection_max": "db_client_connections_max",
    "db_client_connection_pending_requests": "db_client_connections_pending_requests",
    "db_client_connection_timeouts_total": "db_client_connections_timeouts_total",
    "db_client_connection_wait_time_seconds": "db_client_connections_wait_time_seconds",
    "db_client_connection_use_time_seconds": "db_client_connections_use_time_seconds",
    "db_client_connection_create_time_seconds": "db_client_connections_create_time_seconds",
}
METRIC = re.compile(r"\b((?:db_client|cistern)_[a-zA-Z0-9_]+)\b")
LABELS = {"db_client_connection_pool_name", "db_client_connection_state"}


def exported(path):
    names, histograms = set(), set()
    for line in open(path, encoding="utf-8"):
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            names.add(m.group(1))
            if m.group(2) == "histogram":
                histograms.add(m.group(1))
    return names, histograms


def referenced(dashboard, rules):
    exprs = []
    for p in json.load(open(dashboard, encoding="utf-8"))["panels"]:
        exprs += [t["expr"] for t in p.get("targets", [])]
    text = open(rules, encoding="utf-8").read()
    # the rules' expressions: every `expr:` value (block or inline)
    for block in re.findall(r"expr:\s*\|\n((?:[ \t]+.*\n?)+)", text):
        exprs.append(block)
    exprs += re.findall(r"expr:\s*([^|\n][^\n]*)", text)
    found = set()
    for e in exprs:
        for name in METRIC.findall(re.sub(r"\{[^}]*\}", "", e)):  # label matchers removed
            if name not in LABELS:
                found.add(name)
    return found


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    names, histograms = exported(sys.argv[1])
    refs = referenced(sys.argv[2], sys.argv[3])
    if not refs:
        print("no metric found in the dashboard or the rules")
        return 1
    unknown = []
    for r in sorted(refs):
        base = re.sub(r"_(bucket|sum|count)$", "", r)
        ok = any(c in names for c in (r, PENDING_RENAMES.get(r, r)))
        if base != r:  # a histogram's series
            ok = ok or any(c in histograms for c in (base, PENDING_RENAMES.get(base, base)))
        if not ok:
            unknown.append(r)
    for u in unknown:
        print(f"not exported by cistern: {u}")
    print(f"{len(refs)} metrics referenced, {len(refs) - len(unknown)} exported")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
