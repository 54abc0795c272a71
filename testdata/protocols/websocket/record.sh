#!/usr/bin/env bash
# Records the real-traffic cases of this corpus: the `ws` package's server and client
# (scenarios.mjs) and Python's websockets client (python_client.py, Debian's python3-websockets: /usr/bin/python3, not a
# pyenv one)
# on a free loopback port, each scenario captured with tcpdump -i lo and turned into a case by
# pcap-to-case.mjs; the peers' logs of what they received go beside it as NAME.peers.jsonl.
# Needs root (tcpdump), tshark, node with the repository's node_modules.
#
#   testdata/protocols/websocket/record.sh [SCENARIO...]     (default: all)
#
# The expected output of a new case is then written by
#   UPDATE_CORPUS=1 npx vitest run test/protocols/websocket/corpus.test.ts   (read the diff!)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# capture NAME TITLE PORT SPLIT -- COMMAND...: one scenario, one case file (SPLIT '': every byte)
capture() {
  local name=$1 title=$2 port=$3 split=$4; shift 5
  rm -f "$HERE/$name.peers.jsonl"
  tcpdump -i lo -U --immediate-mode -w "$TMP/$name.pcap" "tcp port $port" >/dev/null 2>&1 &
  local dump=$!
  sleep 0.5
  "$@"
  sleep 0.3
  kill "$dump"; wait "$dump" 2>/dev/null || true
  node "$HERE/pcap-to-case.mjs" "$TMP/$name.pcap" "$port" "$HERE/$name.ws" "$title" ${split:+--split "$split"}
  echo "recorded $name.ws"
}

ws_scenario() { # ws_scenario NAME TITLE [SPLIT]: scenarios.mjs runs both peers
  local port; port=$(free_port)
  capture "ws-$1" "$2" "$port" "${3:-}" -- node "$HERE/scenarios.mjs" "$1" "$port" "$HERE/ws-$1.peers.jsonl"
}

rec_plain() { ws_scenario plain 'ws (npm) client and server, no extension: text, binary, UTF-8, ping/pong, a fragmented message with a ping inside, a 200 kB message, close 4001' 97; }
rec_deflate() { ws_scenario deflate 'ws with permessage-deflate and context takeover: every message compressed, compressed fragments, a 200 kB message' 7; }
rec_no_takeover() { ws_scenario deflate-no-takeover 'ws with permessage-deflate, no context takeover either way, window bits 10 (server) and 11 (client)'; }
rec_python() {
  local port; port=$(free_port)
  node "$HERE/scenarios.mjs" --server "$port" "$HERE/python-websockets.peers.jsonl" '{"perMessageDeflate":{"threshold":0}}' &
  local server=$!
  sleep 0.5
  capture python-websockets "Python's websockets client (permessage-deflate, client_max_window_bits) to a ws server: text, binary, ping, close 1000" "$port" '' -- \
    /usr/bin/python3 "$HERE/python_client.py" "$port" "$HERE/python-websockets.peers.jsonl"
  wait "$server" || true
}

ALL=(plain deflate no_takeover python)
for scenario in "${@:-${ALL[@]}}"; do "rec_$scenario"; done
