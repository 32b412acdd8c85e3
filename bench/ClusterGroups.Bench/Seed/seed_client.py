# Drives the seed's own client (danielmursa/coding-challenge, client/client.py) as its README uses it: a ClusterClient
# over the cluster's nodes, one create and then one delete of a fresh groupId at a time, per thread. The seed's code
# runs unchanged; this file only loops and times it. Prints one JSON line.
#
#   python3 seed_client.py CLIENT_DIR URL,URL,... SECONDS CONCURRENCY WARMUP_SECONDS
import json
import math
import os
import sys
import threading
import time
import uuid

client_dir, urls, seconds, concurrency, warmup = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
sys.path.insert(0, client_dir)
os.chdir(client_dir)  # the seed's client logs to logs/client.log under the working directory
from client import ClusterClient, Node  # noqa: E402
from settings import API_ENDPOINT  # noqa: E402

cluster = ClusterClient([Node(url, API_ENDPOINT) for url in urls])
lock = threading.Lock()
latencies = []
failed = [0]


def run(until, record):
    while time.monotonic() < until:
        data = {"groupId": "seed-" + uuid.uuid4().hex}
        for operation in (cluster.create_object, cluster.delete_object):
            started = time.perf_counter()
            try:
                ok = operation(data)
            except Exception:  # the client's own errors beyond requests': a failed operation, not a dead thread
                ok = False
            elapsed = time.perf_counter() - started
            if record:
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        failed[0] += 1


def phase(duration, record):
    until = time.monotonic() + duration
    threads = [threading.Thread(target=run, args=(until, record)) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - started


phase(warmup, record=False)
elapsed = phase(seconds, record=True)
latencies.sort()


def percentile(p):
    # The nearest rank, as HdrHistogram gives the Api's: the smallest value with at least p of them at or below it.
    return latencies[max(0, math.ceil(len(latencies) * p) - 1)] * 1000 if latencies else None


print(json.dumps({
    "concurrency": concurrency,
    "operations": len(latencies),
    "failed": failed[0],
    "seconds": elapsed,
    "opsPerSecond": len(latencies) / elapsed if elapsed > 0 else 0,
    "p50Ms": percentile(0.50),
    "p99Ms": percentile(0.99),
}))
