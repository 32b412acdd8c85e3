#!/usr/bin/env bash
# Garnet's own recovery, without Aspire or the tests' harness: ClusterGroups.Store with the AppHost's arguments plus
# EXTRA, written under load (32 connections of scripts, one connection committing the log as RedisStore does), killed
# (kill -9) at a random moment, started again on the same folder and port; does it come back (PING within 60 s)?
# usage: bench/store-kill-loop.sh NAME "EXTRA" ROUNDS    e.g.  bench/store-kill-loop.sh freq1000 "--aof-commit-freq 1000" 25
set -u
name=$1; extra=$2; rounds=$3
dll=$(dirname "$0")/../ClusterGroups.Store/bin/Release/net10.0/ClusterGroups.Store.dll
dir=$(mktemp -d); port=$((20000 + RANDOM % 5000))
args="--port $port --bind 127.0.0.1 --checkpointdir $dir --logdir $dir --aof --recover --storage-tier --memory 2g --index 16m --aof-memory 64m --lua --device-type RandomAccess --lua-transaction-mode $extra"
script="redis.call('HSETNX', KEYS[1], ARGV[1], 'v') redis.call('SADD', KEYS[2], ARGV[1]) redis.call('HINCRBY', KEYS[3], 'n', 1) return 1"
ok=0; failed=0
start_store() { dotnet "$dll" $args >> "$dir/log.$1" 2>&1 & pid=$!; }
wait_ping() { for _ in $(seq 300); do redis-cli -p $port PING 2>/dev/null | grep -q PONG && return 0; kill -0 $pid 2>/dev/null || return 1; sleep 0.2; done; return 1; }
start_store 0; wait_ping || { echo "$name: first start failed"; tail -20 "$dir/log.0"; exit 1; }
for r in $(seq "$rounds"); do
  redis-benchmark -p $port -n 10000000 -c 32 -r 1000000 EVAL "$script" 3 g b d __rand_int__ > /dev/null 2>&1 & load=$!
  redis-benchmark -p $port -n 10000000 -c 1 COMMITAOF > /dev/null 2>&1 & commits=$!
  sleep 0.$((RANDOM % 9 + 1))
  kill -9 $pid; wait $pid 2>/dev/null
  kill $load $commits 2>/dev/null; wait $load $commits 2>/dev/null
  t0=$(date +%s.%N); start_store "$r"
  if wait_ping; then
    ok=$((ok+1)); echo "$name round $r: back in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s, HLEN $(redis-cli -p $port HLEN g), log $(du -sh "$dir" | cut -f1)"
  else
    failed=$((failed+1)); echo "$name round $r: NOT BACK; its log:"; tail -30 "$dir/log.$r"
    kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; start_store "$r.retry"; wait_ping || break
  fi
done
echo "$name: $ok of $rounds restarts came back, $failed did not; errors in its logs: $(cat "$dir"/log.* | grep -ci 'error\|exception\|fail')"
kill $pid; wait $pid 2>/dev/null; rm -rf "$dir"
