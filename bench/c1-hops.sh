#!/usr/bin/env bash
# Where one create spends its time at concurrency 1, hop by hop, seen on the wire (README, "Performance", "Where a
# c=1 operation spends its time"): N stores and nodes, the coordinator's store and the Api, started from the Release
# builds with the AppHost's store arguments, no Aspire; one Python client creating groups one after another; tcpdump
# on loopback records every packet that carries data between them, and c1-hops.py splits each operation into its
# hops (the caller to the Api, the Api to the coordinator, to the nodes, each node to its store, and back). The
# timeline needs no clock of ours in any process: they run as they always do (tcpdump's own CPU aside).
# usage: bench/c1-hops.sh [N] [SECONDS] [EXTRA STORE ARGS]   e.g.  bench/c1-hops.sh 3 5
# WARMUP=S (10): seconds of load before the capture; with N=9 (20 processes on 2 cores) the JIT needs about a minute.
# Needs: dotnet build -c Release ClusterGroups.Store ClusterGroups.Node ClusterGroups.Api; tcpdump (apt-get install
# tcpdump) run as root; python3.
set -u
n=${1:-3}; seconds=${2:-5}; extra=${3:-}; warmup=${WARMUP:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
bin() { echo "$root/$1/bin/Release/net10.0"; }
for p in ClusterGroups.Store ClusterGroups.Node ClusterGroups.Api; do
  [[ -f $(bin $p)/$p.dll ]] || { echo "build first: dotnet build -c Release $p"; exit 2; }
done
command -v tcpdump >/dev/null || { echo "needs tcpdump (apt-get install tcpdump)"; exit 2; }

dir=$(mktemp -d); base=$((20000 + RANDOM % 4000)); pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$dir"; }
trap stop EXIT

api_port=$base; coordinator_port=$((base + 99)); node_ports=(); store_ports=()
# The store's arguments as README's "Running a node or the Api alone" gives them, which StoreArgumentsTests keeps equal
# to the AppHost's (StoreArguments.Garnet); its data folder /tmp/store1 becomes each store's own.
store_args=$(grep -m1 -o 'dotnet run --project ClusterGroups.Store -- --port 6390 .*' "$root/README.md" | sed 's/.*--port 6390 //')
[[ -n $store_args ]] || { echo "README.md no longer shows the store's command line"; exit 2; }
start_store() { # port
  mkdir -p "$dir/$1"
  dotnet "$(bin ClusterGroups.Store)/ClusterGroups.Store.dll" --port "$1" ${store_args//\/tmp\/store1/$dir/$1} $extra > "$dir/$1.log" 2>&1 &
  pids+=($!)
}
start_store $coordinator_port
for i in $(seq 1 "$n"); do store_ports+=($((base + 50 + i))); start_store $((base + 50 + i)); done
# Each service runs from its own folder: its appsettings.json (log levels) is read from the working directory.
nodes=()
for i in $(seq 1 "$n"); do
  node_ports+=($((base + i)))
  (cd "$(bin ClusterGroups.Node)" && exec dotnet ClusterGroups.Node.dll --urls "http://127.0.0.1:$((base + i))" \
    --ConnectionStrings:store=127.0.0.1:$((base + 50 + i)) --Node:Name=node$i) > "$dir/node$i.log" 2>&1 &
  pids+=($!); nodes+=("--Cluster:Nodes:$((i - 1))=http://127.0.0.1:$((base + i))")
done
(cd "$(bin ClusterGroups.Api)" && exec dotnet ClusterGroups.Api.dll --urls "http://127.0.0.1:$api_port" "${nodes[@]}" \
  --ConnectionStrings:coordinator=127.0.0.1:$coordinator_port --Api:PermitsPerSecond=100000) > "$dir/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$api_port/v1/groups" >/dev/null && break; sleep 0.2; done

# The client: creates of fresh groups, one at a time, on one kept-alive connection, for the warm-up and the capture.
python3 - "$api_port" $((warmup + seconds + 2)) > "$dir/client.out" 2>&1 <<'EOF' &
import http.client, sys, time, uuid
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1])); run = uuid.uuid4().hex[:8]; until = time.time() + float(sys.argv[2]); i = 0
while time.time() < until:
    i += 1
    conn.request("POST", "/v1/group", body='{"groupId":"hops-%s-%d"}' % (run, i), headers={"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    if r.status != 201: print("status", r.status); break
print("ops", i)
EOF
client=$!; pids+=($client)
sleep "$warmup" # the JIT's tiers settle
ports="port $api_port or port $coordinator_port$(printf ' or port %s' "${node_ports[@]}" "${store_ports[@]}")"
timeout "$seconds" tcpdump -i lo -n -tt -q "tcp and ($ports) and (tcp[tcpflags] & tcp-push != 0)" > "$dir/packets.txt" 2>/dev/null
wait $client
cat "$dir/client.out"
python3 "$(dirname "$0")/c1-hops.py" "$dir/packets.txt" "$api_port" "$coordinator_port" \
  "$(IFS=,; echo "${node_ports[*]}")" "$(IFS=,; echo "${store_ports[*]}")"
