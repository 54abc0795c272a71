#!/bin/sh
# A user of testdata/services/notes/server.mjs with curl: log in, create a note, read it back,
# then the read-only routes, /report three times (a median needs more than one). The session
# cookie goes through curl's cookie jar; the new note's id is read from the Location header.
# Usage: client.sh PORT JAR
set -eu
base="http://127.0.0.1:$1"
jar="$2"
curl -sf -o /dev/null "$base/health"
curl -sf -o /dev/null -c "$jar" -H 'content-type: application/json' -d '{"user":"ann"}' "$base/login"
location=$(curl -sf -b "$jar" -o /dev/null -w '%header{location}' -H 'content-type: application/json' -d '{"text":"buy milk"}' "$base/notes")
curl -sf -o /dev/null -b "$jar" "$base$location"
curl -sf -o /dev/null "$base/info"
curl -sf -o /dev/null "$base/legacy"
for i in 1 2 3; do curl -sf -o /dev/null "$base/report"; done
