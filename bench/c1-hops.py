#!/usr/bin/env python3
# Splits c=1 operations into hops from a tcpdump of loopback (bench/c1-hops.sh writes it: `tcpdump -tt -n -q`, packets
# that carry data only). An operation is everything between a request to the Api and the Api's answer; its hops are
# read from the first packet of each exchange. Operations with other traffic mixed in (a background round of the Api
# on the coordinator, say) are skipped when they do not have the expected shape; medians are robust to the rest.
# usage: c1-hops.py PACKETS API_PORT COORDINATOR_PORT NODE_PORTS(comma) STORE_PORTS(comma, in the nodes' order)
import re
import statistics
import sys

packets_file, api, coordinator = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
nodes = [int(p) for p in sys.argv[4].split(",")]
stores = [int(p) for p in sys.argv[5].split(",")]
store_of = dict(zip(nodes, stores))

events = []  # (ms, source port, destination port)
for line in open(packets_file):
    m = re.match(r"(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+): tcp (\d+)", line)
    if m and int(m[4]) > 0:
        events.append((float(m[1]) * 1000, int(m[2]), int(m[3])))

hops = {}
def add(name, ms):
    hops.setdefault(name, []).append(ms)

ops = skipped = 0
i = 0
while i < len(events):
    t, src, dst = events[i]
    if dst != api:
        i += 1
        continue
    j = i + 1
    while j < len(events) and events[j][1] != api:
        j += 1
    if j >= len(events):
        break
    inside, answered = events[i + 1:j], events[j][0]
    i = j + 1
    to_coordinator = [e for e in inside if e[2] == coordinator]
    from_coordinator = [e for e in inside if e[1] == coordinator]
    # A request or an answer may take more than one packet: each node's first packet in and its last packet out.
    sent = {node: min((e[0] for e in inside if e[2] == node), default=None) for node in nodes}
    got = {node: max((e[0] for e in inside if e[1] == node), default=None) for node in nodes}
    if None in sent.values() or None in got.values() or not to_coordinator or not from_coordinator:
        skipped += 1
        continue
    start_sent, start_answered = to_coordinator[0][0], from_coordinator[0][0]
    first_sent, last_sent, last_answer = min(sent.values()), max(sent.values()), max(got.values())
    close = [e for e in to_coordinator if e[0] > last_answer]
    close_answer = [e for e in from_coordinator if close and e[0] > close[0][0]]
    if not close or not close_answer or not start_answered < first_sent:
        skipped += 1
        continue
    ops += 1
    add("0 the operation, as the Api's socket sees it", answered - t)
    add("1 Api: request in -> start sent to the coordinator", start_sent - t)
    add("2 coordinator: start (lease, begin; script + commit)", start_answered - start_sent)
    add("3 Api: start answered -> first node request out", first_sent - start_answered)
    add("4 Api: first -> last node request out", last_sent - first_sent)
    add("5 nodes: first request out -> last answer in", last_answer - first_sent)
    add("6 Api: last node answer -> close sent", close[0][0] - last_answer)
    add("7 coordinator: close (script + commit)", close_answer[0][0] - close[0][0])
    add("8 Api: close answered -> answer out", answered - close_answer[0][0])
    for node in nodes:
        request, answer = sent[node], got[node]
        store = store_of[node]
        calls = [e for e in inside if e[2] == store and request <= e[0] <= answer]
        replies = [e for e in inside if e[1] == store and request <= e[0] <= answer]
        if calls and replies:
            add("5a a node: request in -> its store call out", calls[0][0] - request)
            add("5b its store: script + commit", replies[-1][0] - calls[0][0])
            add("5c a node: store answered -> answer out", answer - replies[-1][0])

print(f"{ops} operations ({skipped} skipped: other traffic mixed in); ms")
print(f"{'hop':55s} {'median':>7s} {'mean':>7s}")
for name in sorted(hops):
    values = hops[name]
    print(f"{name:55s} {statistics.median(values):7.3f} {statistics.mean(values):7.3f}")
