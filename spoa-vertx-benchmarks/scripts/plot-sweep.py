"""Plots NOTIFY/s and p99 latency against connections from conn-sweep.jsonl (one JSON result per line)."""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
rows.sort(key=lambda r: r["connections"])
conns = [r["connections"] for r in rows]
rate = [r["notifyPerSecond"] / 1000 for r in rows]
p99 = [r["p99us"] / 1000 for r in rows]

fig, ax1 = plt.subplots(figsize=(8, 4.5), dpi=110)
ax1.plot(conns, rate, "o-", color="tab:blue", label="NOTIFY/s (thousands)")
ax1.set_xscale("log", base=2)
ax1.set_xticks(conns)
ax1.set_xticklabels([str(c) for c in conns])
ax1.set_xlabel("SPOP connections (pipelining depth 20 each)")
ax1.set_ylabel("NOTIFY/ACK per second (thousands)", color="tab:blue")
ax1.set_ylim(bottom=0)
ax2 = ax1.twinx()
ax2.plot(conns, p99, "s--", color="tab:red", label="p99 latency (ms)")
ax2.set_ylabel("p99 latency (ms)", color="tab:red")
ax2.set_ylim(bottom=0)
ax1.set_title("spoa-vertx agent alone: 1 event loop, event-bus dispatch, every ACK checked")
fig.tight_layout()
fig.savefig(sys.argv[2])
