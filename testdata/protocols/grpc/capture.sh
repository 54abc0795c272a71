#!/bin/sh
# Records the corpus: runs peers.mjs on 127.0.0.1 under tcpdump -i lo and turns the capture into
# real-calls.json with pcap-to-case.mjs. Needs root (tcpdump), tshark and the devDependencies.
# Usage: sudo sh capture.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tcpdump -i lo -w "$work/grpc.pcap" -U "tcp port $port" 2>/dev/null &
dump=$!
sleep 1
node "$here/peers.mjs" "$port" "$work/peers-log.json"
sleep 1
kill "$dump"
wait "$dump" || true
node "$here/pcap-to-case.mjs" "$work/grpc.pcap" "$port" "$work/peers-log.json" > "$here/real-calls.json"
rm -r "$work"
