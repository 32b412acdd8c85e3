#!/usr/bin/env bash
# Scripts of many HSETNX against ClusterGroups.Store (README, "Cost of durable acknowledgements"): wait = Garnet's
# --aof-commit-wait, commitaof = a COMMITAOF after each script (what RedisStore does), none = neither (not durable).
# usage: bench/store-commit-micro.sh ClusterGroups.Store/bin/Release/net10.0/ClusterGroups.Store.dll wait|commitaof|none [scripts] [ops] [extra garnet args]
set -e
dll=$1; mode=$2; scripts=${3:-100}; ops=${4:-500}; extra=${5:-}
port=$((20000 + RANDOM % 5000)); dir=$(mktemp -d)
args="--port $port --bind 127.0.0.1 --checkpointdir $dir --logdir $dir --aof --recover --storage-tier --memory 2g --index 16m --aof-memory 64m --lua --device-type RandomAccess --lua-transaction-mode $extra"
[ "$mode" = wait ] && args="$args --aof-commit-wait"
dotnet "$dll" $args > $dir/log 2>&1 & pid=$!
for i in $(seq 100); do redis-cli -p $port PING >/dev/null 2>&1 && break; sleep 0.2; done
script="for i=1,tonumber(ARGV[2]) do redis.call('HSETNX', KEYS[1], ARGV[1]..i, 'v') end return 1"
: > $dir/cmds
for s in $(seq $scripts); do
  echo "EVAL \"$script\" 1 h s$s- $ops" >> $dir/cmds
  [ "$mode" = commitaof ] && echo "COMMITAOF" >> $dir/cmds
done
start=$(date +%s.%N)
redis-cli -p $port < $dir/cmds > $dir/out
end=$(date +%s.%N)
echo "$mode $extra: $scripts scripts x $ops HSETNX: $(echo "$end - $start" | bc) s; replies: $(sort $dir/out | uniq -c | tr '\n' ' '); HLEN $(redis-cli -p $port HLEN h)"
kill $pid; wait $pid 2>/dev/null || true; rm -rf $dir
