"""Renders the panels of spoa-dashboard.json from Prometheus scrapes of a running agent, as a PNG.

No Grafana runs here, so this draws the same panels (titles, grid, queries' meaning) with
matplotlib from /metrics samples taken once a second:
    python3 render-dashboard.py http://127.0.0.1:9090/metrics 40 ../../docs/grafana-dashboard.png
"""
import json
import os
import re
import sys
import time
import urllib.request

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([-+0-9.eEInfNa]+)$')


def scrape(url):
    out = {}
    for line in urllib.request.urlopen(url, timeout=5).read().decode().splitlines():
        m = SAMPLE.match(line)
        if m:
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def labels(text):
    return dict(re.findall(r'(\w+)="([^"]*)"', text))


def series_sum(snap, name, by=None):
    """Sum of a metric's samples, grouped by one label."""
    res = {}
    for (n, l), v in snap.items():
        if n == name:
            key = labels(l).get(by, "") if by else ""
            res[key] = res.get(key, 0) + v
    return res


def rates(snaps, name, by=None, window=5):
    out = {}
    for i in range(window, len(snaps)):
        t0, s0 = snaps[i - window]
        t1, s1 = snaps[i]
        a, b = series_sum(s0, name, by), series_sum(s1, name, by)
        for k in b:
            out.setdefault(k, []).append((t1, (b[k] - a.get(k, 0)) / (t1 - t0)))
    return out


def quantile(snaps, name, q, by=None, window=5):
    out = {}
    for i in range(window, len(snaps)):
        t1, s1 = snaps[i]
        _, s0 = snaps[i - window]
        buckets = {}
        for (n, l), v in s1.items():
            if n == name + "_bucket":
                lab = labels(l)
                key = lab.get(by, "") if by else ""
                le = float("inf") if lab["le"] == "+Inf" else float(lab["le"])
                buckets.setdefault(key, {})[le] = buckets.setdefault(key, {}).get(le, 0) + v - s0.get((n, l), 0)
        for key, b in buckets.items():
            les = sorted(b)
            total = b[les[-1]]
            if total <= 0:
                continue
            target = q * total
            value = next(le for le in les if b[le] >= target)
            out.setdefault(key, []).append((t1, value if value != float("inf") else les[-2]))
    return out


def gauge(snaps, name, by=None):
    out = {}
    for t, s in snaps:
        for k, v in series_sum(s, name, by).items():
            out.setdefault(k, []).append((t, v))
    return out


def main():
    url, seconds, png = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    snaps = []
    start = time.time()
    for _ in range(seconds):
        snaps.append((time.time() - start, scrape(url)))
        time.sleep(1)
    here = os.path.dirname(os.path.abspath(__file__))
    dashboard = json.load(open(os.path.join(here, "spoa-dashboard.json")))
    panels = {p["title"]: p for p in dashboard["panels"]}
    data = {
        "NOTIFYs answered per second": {"answered": rates(snaps, "spoa_notify_duration_seconds_count").get("", [])},
        "Time to answer a NOTIFY": {
            "p50": quantile(snaps, "spoa_notify_duration_seconds", 0.5).get("", []),
            "p99": quantile(snaps, "spoa_notify_duration_seconds", 0.99).get("", [])},
        "Handler p99 by message": quantile(snaps, "spoa_handler_duration_seconds", 0.99, by="message"),
        "Fallbacks by reason": rates(snaps, "spoa_fallbacks_total", by="reason"),
        "Connections": {"open": gauge(snaps, "spoa_connections_active").get("", [])},
        "NOTIFYs in flight": {"in flight": gauge(snaps, "spoa_notify_in_flight").get("", [])},
        "DISCONNECTs sent by status": rates(snaps, "spoa_disconnects_sent_total", by="status"),
        "Health checks and fragments": {
            "health checks/s": rates(snaps, "spoa_health_checks_total").get("", []),
            "reassembled/s": rates(snaps, "spoa_notify_reassembled_total").get("", [])},
    }
    fig, axes = plt.subplots(4, 2, figsize=(14, 12), dpi=90)
    fig.suptitle(dashboard["title"] + " — rendering of deploy/grafana/spoa-dashboard.json from scraped /metrics")
    for title, panel in panels.items():
        pos = panel["gridPos"]
        ax = axes[pos["y"] // 8][pos["x"] // 12]
        ax.set_title(title)
        unit = panel["fieldConfig"]["defaults"]["unit"]
        scale = 1000 if unit == "s" else 1
        for name, points in data.get(title, {}).items():
            if points:
                ax.plot([p[0] for p in points], [p[1] * scale for p in points], label=name or "all")
        ax.set_ylabel({"s": "ms", "reqps": "per second", "ops": "per second"}.get(unit, ""))
        ax.set_xlabel("seconds")
        ax.set_ylim(bottom=0)
        if ax.lines:
            ax.legend(loc="upper left", fontsize=8)
        else:
            ax.text(0.5, 0.5, "none during the capture", ha="center", va="center", transform=ax.transAxes, color="gray")
    fig.tight_layout()
    fig.savefig(png)


if __name__ == "__main__":
    main()
