#!/usr/bin/env bash
# The embedded store alone (README, "Cost of durable acknowledgements"): ClusterGroups.Store with the AppHost's
# arguments plus EXTRA, and a Lua script of K writes (HINCRBY: like a node's HSETNX/SADD/HINCRBY, it goes through
# Garnet's scripting session) run by redis-benchmark three ways: one connection one at a time (c1), one connection
# pipelined 32 deep (pipe32: how a node's one multiplexed connection sends), 32 connections (c32).
# Prints ops/s, p50, the store's CPU per script, its write syscalls per script (log writes) and context switches.
# usage: bench/store-commit-micro.sh NAME "EXTRA" K    e.g.  bench/store-commit-micro.sh wait "--aof-commit-wait" 7
# Build first: dotnet build -c Release ClusterGroups.Store
set -u
name=$1; extra=$2; k=$3
dll=$(dirname "$0")/../ClusterGroups.Store/bin/Release/net10.0/ClusterGroups.Store.dll
port=$((20000 + RANDOM % 5000)); dir=$(mktemp -d)
args="--port $port --bind 127.0.0.1 --checkpointdir $dir --logdir $dir --aof --recover --storage-tier --memory 2g --index 16m --aof-memory 64m --lua --device-type RandomAccess --lua-transaction-mode $extra"
dotnet "$dll" $args > "$dir/log" 2>&1 & pid=$!
for _ in $(seq 150); do redis-cli -p $port PING >/dev/null 2>&1 && break; sleep 0.2; done
script="for i=1,tonumber(ARGV[1]) do redis.call('HINCRBY', KEYS[1], 'f'..i, 1) end return 1"
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
syscw() { awk '/syscw/{print $2}' /proc/$pid/io; }
ctx() { cat /proc/$pid/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/{s+=$2} END{print s}'; }
redis-benchmark -p $port -n 2000 -c 8 -r 100000 EVAL "$script" 1 h:__rand_int__ "$k" > /dev/null 2>&1 # warm-up
for shape in "c1:-c 1 -n 1000" "pipe32:-c 1 -P 32 -n 4000" "c32:-c 32 -n 20000"; do
  label=${shape%%:*}; opts=${shape#*:}; n=${opts##* }
  c0=$(cpu); w0=$(syscw); x0=$(ctx)
  out=$(redis-benchmark -p $port $opts -r 100000 -q EVAL "$script" 1 h:__rand_int__ "$k" 2>&1 | tr '\r' '\n' | grep "requests per second" | tail -1)
  c1=$(cpu); w1=$(syscw); x1=$(ctx)
  rps=$(echo "$out" | sed 's/.*: \([0-9.]*\) requests per second.*/\1/'); p50=$(echo "$out" | sed 's/.*p50=\([0-9.]*\) msec.*/\1/')
  echo "$name k=$k $label: $rps ops/s p50 $p50 ms; store CPU $(echo "scale=3; ($c1-$c0)*10/$n" | bc) ms/op; write syscalls $(echo "scale=2; ($w1-$w0)/$n" | bc)/op; voluntary ctx switches $(echo "scale=1; ($x1-$x0)/$n" | bc)/op"
done
kill $pid; wait $pid 2>/dev/null; rm -rf "$dir"
