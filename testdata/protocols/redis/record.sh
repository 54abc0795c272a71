#!/usr/bin/env bash
# Records the real-traffic cases of this corpus: a throwaway redis-server on a free loopback
# port, redis-cli and the Node clients (ioredis, redis: installed outside the repo, see
# CLIENTS below), each scenario captured with tcpdump and turned into a case by pcap-to-case.mjs.
# Needs root (tcpdump), redis-server/redis-cli (Debian's redis-tools), tshark.
#
#   testdata/protocols/redis/record.sh [SCENARIO...]     (default: all)
#
# The expected output of a new case is then written by
#   UPDATE_CORPUS=1 npx vitest run test/protocols/redis/corpus.test.ts   (read the diff!)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENTS=${CLIENTS:-/tmp/redis-clients}   # npm install ioredis redis there
PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
TMP=$(mktemp -d)
CLI=(redis-cli -p "$PORT")

redis-server --port "$PORT" --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly no --enable-debug-command yes \
  --daemonize no --logfile "$TMP/redis.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do "${CLI[@]}" ping >/dev/null 2>&1 && break; sleep 0.1; done

# capture NAME TITLE [pcap-to-case options] -- COMMAND...: one scenario, one case file
capture() {
  local name=$1 title=$2; shift 2
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done; shift
  tcpdump -i lo -U --immediate-mode -w "$TMP/$name.pcap" "tcp port $PORT" >/dev/null 2>&1 &
  local dump=$!
  sleep 0.5
  "$@" >/dev/null 2>&1 || true
  sleep 0.3
  kill "$dump"; wait "$dump" 2>/dev/null || true
  node "$HERE/pcap-to-case.mjs" "$TMP/$name.pcap" "$PORT" "$HERE/$name.resp" "$title" "${opts[@]}"
  echo "recorded $name.resp"
}

cli_script() { printf '%s\n' "$@" | "${CLI[@]}"; }
raw() { # raw BYTES...: sends bytes over bash's /dev/tcp, reads the answers for a moment
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  for chunk in "$@"; do printf '%b' "$chunk" >&3; sleep 0.1; done
  timeout 0.3 cat <&3 >/dev/null || true
  exec 3<&-
}

rec_cli_basic() { capture cli-basic 'redis-cli: strings, counters, lists, deletes, a missing key' --skip-first -- \
  cli_script 'SET greeting "hello world"' 'GET greeting' 'INCR visits' 'INCRBY visits 10' 'RPUSH list a b c' \
    'LRANGE list 0 -1' 'GET nothing' 'DEL greeting visits list' 'EXISTS greeting' 'ECHO "tab\there"'; }
rec_cli_errors() { capture cli-errors 'redis-cli: WRONGTYPE, unknown command, wrong arity, bad integer' --skip-first -- \
  cli_script 'RPUSH l x' 'GET l' 'NOSUCHCMD a b' 'GET' 'INCR l' 'SET n abc' 'INCR n' 'DEL l n'; }
rec_cli_pipe() {
  printf '*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$2\r\nv2\r\n*3\r\n$4\r\nMGET\r\n$2\r\nk1\r\n$2\r\nk2\r\n*3\r\n$3\r\nDEL\r\n$2\r\nk1\r\n$2\r\nk2\r\n' > "$TMP/pipe.txt"
  capture cli-pipe 'redis-cli --pipe: pipelined RESP commands and the ECHO marker it appends' -- \
    sh -c "${CLI[*]} --pipe < $TMP/pipe.txt"; }
rec_cli_resp3() { capture cli-resp3 'redis-cli -3: HELLO 3, then maps, sets, doubles, nulls, booleans' --skip-first -- \
  sh -c "printf '%s\n' 'HSET h3 f1 v1 f2 v2' 'HGETALL h3' 'SADD s3 a b' 'SMEMBERS s3' 'ZADD z3 2.5 m' 'ZSCORE z3 m' 'GET none' 'CONFIG GET maxmemory' 'DEL h3 s3 z3' | ${CLI[*]} -3"; }
rec_resp3_types() { # redis-cli stops at the first RESP3 type hiredis does not print, so inline commands over /dev/tcp
  capture resp3-debug-protocol 'DEBUG PROTOCOL in RESP3 (inline commands): every reply type, attributes, a push, verbatim, big number' -- \
    raw 'HELLO 3\r\n' 'DEBUG PROTOCOL string\r\n' 'DEBUG PROTOCOL integer\r\n' 'DEBUG PROTOCOL double\r\n' 'DEBUG PROTOCOL bignum\r\n' \
      'DEBUG PROTOCOL null\r\n' 'DEBUG PROTOCOL array\r\n' 'DEBUG PROTOCOL set\r\n' 'DEBUG PROTOCOL map\r\n' 'DEBUG PROTOCOL attrib\r\n' \
      'DEBUG PROTOCOL push\r\n' 'DEBUG PROTOCOL verbatim\r\n' 'DEBUG PROTOCOL true\r\n' 'DEBUG PROTOCOL false\r\n'; }
rec_resp2_types() { capture resp2-debug-protocol 'DEBUG PROTOCOL in RESP2: the RESP3 types as RESP2 sends them' --skip-first -- \
  cli_script 'DEBUG PROTOCOL double' 'DEBUG PROTOCOL map' 'DEBUG PROTOCOL set' 'DEBUG PROTOCOL true' 'DEBUG PROTOCOL null' 'DEBUG PROTOCOL attrib'; }
rec_multi() { capture cli-multi-exec 'redis-cli: MULTI/EXEC with queued commands, EXECABORT, DISCARD, WATCH' --skip-first -- \
  cli_script 'MULTI' 'SET m:a 1' 'INCR m:a' 'LPUSH m:a x' 'GET m:a' 'EXEC' 'MULTI' 'SET m:b 1' 'NOSUCH' 'EXEC' 'WATCH m:a' 'MULTI' 'DEL m:a' 'DISCARD' 'UNWATCH'; }
rec_select() { capture cli-select 'redis-cli: SELECT changes the database of later calls; a bad SELECT does not' --skip-first -- \
  cli_script 'SET d0 zero' 'SELECT 3' 'SET d3 three' 'GET d3' 'SELECT 99' 'GET d3' 'SELECT 0' 'GET d0' 'FLUSHALL'; }
rec_auth() {
  "${CLI[@]}" config set requirepass 's3cret pass' >/dev/null
  capture auth 'AUTH: NOAUTH, WRONGPASS, AUTH ok, HELLO 3 AUTH; the password never appears' --skip-first -- \
    cli_script 'GET x' 'AUTH wrong' 'AUTH "s3cret pass"' 'AUTH default "s3cret pass"' 'HELLO 3 AUTH default "s3cret pass" SETNAME me' 'CONFIG GET requirepass' 'CONFIG SET requirepass ""'
  "${CLI[@]}" -a 's3cret pass' config set requirepass '' >/dev/null 2>&1 || true
}
rec_pubsub() {
  capture pubsub-resp2 'redis-cli SUBSCRIBE two channels in RESP2: confirmations, then messages' --stream-with news -- \
    sh -c "(timeout 1.5 ${CLI[*]} subscribe news sport &) ; (timeout 1.5 ${CLI[*]} psubscribe 'n*' >/dev/null &); sleep 0.5; ${CLI[*]} publish news 'hello there'; ${CLI[*]} publish sport goal; sleep 1.2"
}
rec_pubsub3() {
  capture pubsub-resp3 'redis-cli -3 SUBSCRIBE: confirmations and messages as RESP3 pushes' --stream-with subscribe -- \
    sh -c "(timeout 1.5 ${CLI[*]} -3 subscribe news &) ; sleep 0.5; ${CLI[*]} publish news 'in resp3'; ${CLI[*]} publish news second; sleep 1.2"
}
rec_monitor() {
  capture monitor 'MONITOR: +OK, then a status line for every command another client runs' --stream-with monitor -- \
    sh -c "(timeout 1.2 ${CLI[*]} monitor &) ; sleep 0.4; ${CLI[*]} set mon:k 'v v'; ${CLI[*]} get mon:k; sleep 1"
}
rec_inline() { capture inline 'inline commands as telnet sends them: quotes, an empty line, LF only' -- \
  raw 'PING\r\n' 'SET inl "a b\\x41"\r\n' '\r\n' 'GET inl\n' "SET q 'it\\\\'s'\r\n" 'ECHO "unbalanced\r\n'; }
rec_big() {
  head -c 300000 /dev/zero | tr '\0' 'x' > "$TMP/big.txt"
  capture big-value 'SET and GET of a 300 kB value (redis-cli -x), read in many segments' --split 4999 -- \
    sh -c "${CLI[*]} -x set big < $TMP/big.txt"
  capture big-value-get 'GET of a 300 kB value: the reply read in many segments, kept cut' --split 4999 -- \
    sh -c "${CLI[*]} get big && ${CLI[*]} del big"
}
rec_keys() { capture cli-keys 'key positions: MSET, MGET, EVAL numkeys, ZUNIONSTORE, XADD/XREAD STREAMS, BLPOP, OBJECT, MEMORY USAGE' --skip-first -- \
  cli_script 'MSET k1 a k2 b' 'MGET k1 k2 k3' 'EVAL "return redis.call(\"GET\", KEYS[1])" 1 k1 arg' 'ZADD za 1 x' 'ZUNIONSTORE zd 2 za zb WEIGHTS 1 2' \
    'XADD st * f v' 'XREAD COUNT 1 STREAMS st 0' 'BLPOP nol1 nol2 0.1' 'OBJECT ENCODING k1' 'MEMORY USAGE k1' 'RENAME k1 k9' 'DEL k2 k9 za zd st'; }
rec_scan() { capture cli-scan 'SCAN/HSCAN/CONFIG GET/CLIENT: nested arrays and container commands' --skip-first -- \
  cli_script 'HSET sh a 1 b 2' 'SCAN 0 COUNT 100' 'HSCAN sh 0' 'CLIENT SETNAME scanner' 'CLIENT GETNAME' 'CONFIG GET maxmemory*' 'XINFO HELP' 'DEL sh'; }
rec_client_reply() { capture client-reply 'CLIENT REPLY OFF/ON/SKIP: commands the server does not answer' -- \
  raw '*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*3\r\n$3\r\nSET\r\n$2\r\ncr\r\n$1\r\n1\r\n' \
      '*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$2\r\nON\r\n*2\r\n$3\r\nGET\r\n$2\r\ncr\r\n' \
      '*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$3\r\nDEL\r\n$2\r\ncr\r\n*1\r\n$4\r\nPING\r\n'; }
rec_unsubscribe() { capture unsubscribe 'SUBSCRIBE, PING while subscribed (RESP2), UNSUBSCRIBE with no channel gets one confirmation per channel' -- \
  raw '*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n' '*1\r\n$4\r\nPING\r\n' '*1\r\n$11\r\nUNSUBSCRIBE\r\n' '*1\r\n$4\r\nPING\r\n'; }
node_scenario() { NODE_PATH="$CLIENTS/node_modules" node "$HERE/scenarios.mjs" "$1" "$PORT"; }
rec_ioredis() { capture ioredis-pipeline 'ioredis: a pipeline (one write, replies in order) and MULTI/EXEC' -- node_scenario ioredis-pipeline; }
rec_node_redis() { capture node-redis-resp3 'node-redis v5 with RESP: 3: HELLO 3, CLIENT SETINFO, maps, sets, doubles' -- node_scenario node-redis-resp3; }
rec_tracking() { capture tracking-invalidate 'CLIENT TRACKING in RESP3: the invalidate push arrives out of band' -- node_scenario tracking-invalidate; }

ALL=(cli_basic cli_errors cli_pipe cli_resp3 resp3_types resp2_types multi select auth pubsub pubsub3 monitor inline big keys scan client_reply unsubscribe ioredis node_redis tracking)
for s in "${@:-${ALL[@]}}"; do "rec_$s"; done
