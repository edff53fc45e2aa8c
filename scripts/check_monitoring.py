#!/usr/bin/env python3
"""Checks that every metric the Grafana dashboard and the Prometheus alerting rules in
packaging/monitoring/ reference is one cistern exports.

usage: check_monitoring.py <exposition.prom> <dashboard.json> <rules.yml>

The exposition is the output of tests/monitor's monitor_prometheus_dump. A histogram's
_bucket/_sum/_count series count as the histogram. Exits 1 naming each unknown metric.
"""
import json
import re
import sys

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
        ok = r in names or (base != r and base in histograms)  # base != r: a histogram's series
        if not ok:
            unknown.append(r)
    for u in unknown:
        print(f"not exported by cistern: {u}")
    print(f"{len(refs)} metrics referenced, {len(refs) - len(unknown)} exported")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
