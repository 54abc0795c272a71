#!/usr/bin/env bash
# A first session: start a local web server, record curl fetching a page from it, then show
# what was captured. Run as root after ./setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

port=8765
dir=$(mktemp -d)
echo '<h1>hello from tinytap</h1>' > "$dir/index.html"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

session=first-session.tinytap
./bin/tinytap.js record --force -o "$session" -- curl -s "http://127.0.0.1:$port/index.html"
echo
./bin/tinytap.js info "$session"
echo
./bin/tinytap.js ls "$session"
echo
./bin/tinytap.js show "$session" 1
echo
echo "browse it in the terminal UI: ./bin/tinytap.js open $session   (? lists the keys, q quits)"
