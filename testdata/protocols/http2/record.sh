#!/bin/bash
# Records the real-traffic cases of this corpus (run as root; everything on 127.0.0.1):
# curl --http2-prior-knowledge and nghttp against nginx (cleartext HTTP/2), h2load against nginx,
# and Node's http2 module as both peers (node-h2.mjs). Each capture becomes a case through
# pcap-to-case.mjs. Needs nginx, curl, nghttp2-client (nghttp, h2load), tcpdump, tshark.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/html" "$work/logs"
chmod 755 "$work"  # nginx workers run as nobody
echo 'hello from nginx' > "$work/html/index.html"
head -c 300000 /dev/zero | tr '\0' 'z' > "$work/html/big.txt"
cat > "$work/nginx.conf" <<CONF
daemon off;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
  access_log off;
  server {
    listen 127.0.0.1:$port http2;
    root $work/html;
    location /echo { return 200 "posted\n"; }
  }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" &
sleep 0.5

capture() { # NAME PORT TITLE COMMAND...
  local name=$1 p=$2 title=$3
  shift 3
  tcpdump -i lo -w "$work/$name.pcap" -U "port $p" 2>/dev/null &
  local dump=$!
  sleep 0.5
  "$@" >/dev/null 2>&1 || true
  sleep 0.5
  kill "$dump"
  wait "$dump" 2>/dev/null || true
  cp "$work/$name.pcap" "${PCAP_DIR:-$work}/" 2>/dev/null || true
  node "$here/pcap-to-case.mjs" "$work/$name.pcap" "$p" "$here/$name.h2" "$title" ${SPLIT:+--split $SPLIT}
}

capture curl-nginx-get "$port" "curl --http2-prior-knowledge: a GET to nginx (curl opened a second connection for its second URL; this is the first)" \
  curl -s --http2-prior-knowledge "http://127.0.0.1:$port/" "http://127.0.0.1:$port/missing"
capture curl-nginx-post "$port" "curl --http2-prior-knowledge: a POST with a body to nginx" \
  curl -s --http2-prior-knowledge -d 'name=tinytap&kind=h2' "http://127.0.0.1:$port/echo"
SPLIT=97 capture curl-nginx-big "$port" "curl --http2-prior-knowledge: a 300 kB file from nginx (many DATA frames, WINDOW_UPDATEs)" \
  curl -s --http2-prior-knowledge "http://127.0.0.1:$port/big.txt"
capture nghttp-nginx "$port" "nghttp: three requests at once to nginx, with its priority frames" \
  nghttp -n "http://127.0.0.1:$port/" "http://127.0.0.1:$port/index.html" "http://127.0.0.1:$port/nope"
SPLIT=7 capture h2load-nginx "$port" "h2load: 30 requests, 10 concurrent streams, to nginx" \
  h2load -n 30 -c 1 -m 10 "http://127.0.0.1:$port/"
for scenario in many trailers push reset; do
  nport=$((port + 1))
  capture "node-$scenario" "$nport" "node:http2 client and server: $scenario" node "$here/node-h2.mjs" "$nport" "$scenario"
done
SPLIT=997 capture node-large "$((port + 1))" "node:http2 client and server: a 64 kB upload and a 1 MiB response" node "$here/node-h2.mjs" "$((port + 1))" large
# gRPC between @grpc/grpc-js peers (../grpc/peers.mjs): the case is its main channel's connection
# (the gzip and deflate calls have channels of their own); the peers' log is kept beside it
gport=$((port + 2))
capture grpc-js "$gport" "grpc-js client and server: unary, server-streaming, client-streaming, bidi, Trailers-Only NOT_FOUND, an error after messages" \
  node "$here/../grpc/peers.mjs" "$gport" "$here/grpc-js.peers.json"
