#!/usr/bin/env bash
# Captures the corpus's real-traffic cases: PostgreSQL 15 on loopback (PORT, trust auth, plus the
# users md5user/scramuser/pwuser and a database "shop"), an SSL-enabled one on SSL_PORT, and the
# clients psql, node-postgres (node-pg.mjs, raw-protocol.mjs) and psycopg2.
#
# The servers (PostgreSQL refuses to run as root, so as nobody, in a temp dir):
#   D=/tmp/pgdata-root; mkdir -p $D/sock && chown -R nobody $D
#   runuser -u nobody -- initdb -D $D/data -A trust -U postgres
#   put "host all md5user 127.0.0.1/32 md5", "host all scramuser 127.0.0.1/32 scram-sha-256" and
#   "host all pwuser 127.0.0.1/32 password" first in $D/data/pg_hba.conf, then
#   runuser -u nobody -- pg_ctl -D $D/data -l $D/log -o "-p 55432 -k $D/sock -c listen_addresses=127.0.0.1" start
#   psql -h 127.0.0.1 -p 55432 -U postgres -c "set password_encryption='md5'" -c "create user md5user password 'md5secret'" \
#     -c "set password_encryption='scram-sha-256'" -c "create user scramuser password 'scramsecret'" \
#     -c "create user pwuser password 'pwsecret'" -c "create database shop"
#   The SSL one: another initdb, a self-signed server.crt/server.key in its data dir, and
#   pg_ctl ... -o "-p 55433 ... -c ssl=on".
# Usage: run-captures.sh [PORT] [SSL_PORT]   (root: tcpdump on lo). Writes ../real-*.pg with an
# empty expected section; UPDATE_CORPUS=1 npx vitest run test/protocols/postgres fills it in.
set -euo pipefail
PORT=${1:-55432}
SSL_PORT=${2:-55433}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/..
WORK=$(mktemp -d)
H="host=127.0.0.1 port=$PORT"

capture() { # NAME SERVER_PORT TITLE -- COMMAND...
  local name=$1 port=$2 title=$3
  shift 4
  tcpdump -Z root -i lo -U -w "$WORK/$name.pcap" "tcp port $port" 2>"$WORK/$name.log" &
  local dump=$!
  # tcpdump says "listening" before packets really flow: wait for that, then a little more
  until grep -q listening "$WORK/$name.log"; do sleep 0.1; done
  sleep 1
  "$@" >/dev/null 2>&1 || true
  sleep 1
  kill "$dump"
  wait "$dump" || true
  (cd "$OUT" && "$HERE/pcap-to-case.py" "$WORK/$name.pcap" "$port" "real-$name" "$title")
}

capture psql-select "$PORT" 'psql -c: StartupMessage (trust), a simple query, Terminate' -- \
  psql "$H user=postgres dbname=postgres sslmode=disable" -c "SELECT 1 AS one, 'two' AS two"
capture psql-ssl-refused "$PORT" "psql sslmode=prefer: SSLRequest answered 'N', then startup in the clear" -- \
  psql "$H user=postgres dbname=postgres sslmode=prefer" -c "SELECT current_user"
capture psql-ssl-accepted "$SSL_PORT" "psql sslmode=require: SSLRequest answered 'S', TLS follows" -- \
  psql "host=127.0.0.1 port=$SSL_PORT user=postgres sslmode=require" -c "SELECT 1"
capture psql-multi "$PORT" 'psql -c with several statements in one Query: several CommandCompletes' -- \
  psql "$H user=postgres dbname=shop sslmode=disable" -c "CREATE TEMP TABLE t (a int); INSERT INTO t VALUES (1), (2), (3); UPDATE t SET a = a + 1 WHERE a > 1; SELECT * FROM t ORDER BY a"
capture psql-error "$PORT" 'psql: a simple query failing (ErrorResponse with position)' -- \
  psql "$H user=postgres dbname=postgres sslmode=disable" -c "SELECT * FROM no_such_table"
capture psql-notice "$PORT" 'psql: NoticeResponse from RAISE NOTICE in a DO block' -- \
  psql "$H user=postgres dbname=postgres sslmode=disable" -c "DO \$\$ BEGIN RAISE NOTICE 'hello %', 42; END \$\$"
capture psql-notify "$PORT" 'psql: LISTEN and NOTIFY to itself: a NotificationResponse' -- \
  psql "$H user=postgres dbname=postgres sslmode=disable" -c "LISTEN jobs" -c "NOTIFY jobs, 'job 17 done'" -c "SELECT 1"
capture psql-copy-in "$PORT" 'psql \copy from stdin: CopyInResponse, CopyData, CopyDone' -- \
  bash -c "printf '1\tone\n2\ttwo\n3\tthree\n' | psql '$H user=postgres dbname=shop sslmode=disable' -c 'CREATE TABLE IF NOT EXISTS words (n int, w text)' -c '\\copy words from stdin'"
capture psql-copy-out "$PORT" 'psql \copy to stdout: CopyOutResponse, CopyData, CopyDone' -- \
  psql "$H user=postgres dbname=shop sslmode=disable" -c "\\copy (SELECT g, g * g FROM generate_series(1, 4) g) to stdout"
capture psql-md5 "$PORT" 'psql: md5 password authentication (the password must not appear)' -- \
  env PGPASSWORD=md5secret psql "$H user=md5user dbname=shop sslmode=disable" -c "SELECT current_user"
capture psql-scram "$PORT" 'psql: SCRAM-SHA-256 authentication (SASL payloads must not appear)' -- \
  env PGPASSWORD=scramsecret psql "$H user=scramuser dbname=shop sslmode=disable" -c "SELECT current_user"
capture psql-cleartext "$PORT" 'psql: cleartext password authentication (the password must not appear)' -- \
  env PGPASSWORD=pwsecret psql "$H user=pwuser dbname=shop sslmode=disable" -c "SELECT current_user"
capture psql-auth-fail "$PORT" 'psql: SCRAM authentication with a wrong password: FATAL 28P01' -- \
  env PGPASSWORD=wrong psql "$H user=scramuser dbname=shop sslmode=disable" -c "SELECT 1"
capture psql-cancel "$PORT" 'psql: Ctrl-C during pg_sleep: the query fails 57014, a CancelRequest on a second connection' -- \
  bash -c "psql '$H user=postgres dbname=postgres sslmode=disable' -c 'SELECT pg_sleep(5)' & sleep 1; kill -INT \$!; wait"
for s in params named binary error rows transaction; do
  capture "node-$s" "$PORT" "node-postgres: $s (extended protocol)" -- env node "$HERE/node-pg.mjs" "$s" "$PORT"
done
for s in pipeline batchError prepare portal functionCall; do
  capture "raw-$s" "$PORT" "pg-protocol over a socket: $s" -- env node "$HERE/raw-protocol.mjs" "$s" "$PORT"
done
capture psycopg2 "$PORT" 'psycopg2: a transaction, executemany, client-side parameters' -- \
  /usr/bin/python3 "$HERE/psycopg2-session.py" "$PORT"
rm -rf "$WORK"
