#!/bin/sh
# Captures the real-traffic corpus cases: a MariaDB server must listen on 127.0.0.1:$PORT with the
# users and tables made by setup.sql, and mysql2 must be installed in $CLIENTS.
# Each case is one connection captured with tcpdump on loopback and converted by pcap-to-case.mjs;
# the expected output is then filled with UPDATE_CORPUS=1 (review it!).
set -eu
PORT=${PORT:-33061}
CLIENTS=${CLIENTS:-/tmp/mysql-clients}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
cp "$HERE/node-clients.cjs" "$CLIENTS/"
CLI="mariadb -h 127.0.0.1 -P $PORT"

capture() { # NAME TITLE COMMAND...
  name=$1; title=$2; shift 2
  tcpdump -i lo -s 0 -B 262144 -w "$TMP/$name.pcap" "tcp port $PORT" 2>/dev/null &
  dump=$!
  sleep 1
  "$@" >/dev/null 2>&1 || true
  sleep 1
  kill "$dump"; wait "$dump" 2>/dev/null || true
  node "$HERE/pcap-to-case.mjs" "$TMP/$name.pcap" "$PORT" "$title (real: $*)" > "$HERE/$name.mysql"
}

capture cli-select 'mariadb CLI, native password, a SELECT with a result set' \
  $CLI --skip-ssl -u app -ps3cret-pw shop -e 'SELECT id, name, price, note FROM items'
capture cli-error 'mariadb CLI: a query error (unknown table) with SQLSTATE' \
  $CLI --skip-ssl -u app -ps3cret-pw shop -e 'SELECT * FROM nope'
capture cli-dml 'mariadb CLI: INSERT, UPDATE, DELETE give OK with affected rows and insert id' \
  $CLI --skip-ssl -u app -ps3cret-pw shop -e "INSERT INTO items (name) VALUES ('kiwi'); UPDATE items SET qty = 3 WHERE name = 'kiwi'; DELETE FROM items WHERE name = 'kiwi'"
capture cli-multi 'mariadb CLI: two statements in one COM_QUERY (multi-results)' \
  $CLI --skip-ssl -u app -ps3cret-pw shop --delimiter=// -e "SELECT 1 AS one; SELECT 'two' AS two, NULL AS n//"
capture cli-use 'mariadb CLI: USE sends COM_INIT_DB, the database changes' \
  $CLI --skip-ssl -u app -ps3cret-pw shop -e 'USE other; SELECT DATABASE()'
capture cli-call 'mariadb CLI: CALL of a procedure returning two result sets' \
  $CLI --skip-ssl -u app -ps3cret-pw shop -e 'CALL two()'
capture cli-blob 'mariadb CLI: a 17 MB value spans several 0xffffff packets' \
  $CLI --skip-ssl --max-allowed-packet=64M -u app -ps3cret-pw shop -e "SELECT REPEAT('x', 17000000) AS big"
capture cli-ssl 'mariadb CLI with SSL: the SSL request switches the connection to TLS' \
  $CLI -u app -ps3cret-pw shop -e 'SELECT 1'
capture cli-bad-password 'mariadb CLI: a wrong password, access denied at authentication' \
  $CLI --skip-ssl -u app -pwrong shop -e 'SELECT 1'
capture cli-bad-db 'mariadb CLI: an unknown database in the handshake response' \
  $CLI --skip-ssl -u app -ps3cret-pw nodb -e 'SELECT 1'
capture cli-auth-switch 'mariadb CLI: an ed25519 user, the server sends an auth switch request' \
  $CLI --skip-ssl -u edu -ped-pw-123 shop -e 'SELECT CURRENT_USER()'
capture cli-local-infile 'mariadb CLI: LOAD DATA LOCAL INFILE, the server asks for the file' \
  $CLI --skip-ssl --local-infile=1 -u app -ps3cret-pw shop -e "CREATE TEMPORARY TABLE l (id INT, name TEXT); LOAD DATA LOCAL INFILE '/tmp/mysql-cap/load.csv' INTO TABLE l FIELDS TERMINATED BY ',' IGNORE 1 LINES"
capture cli-compress 'mariadb CLI with --compress: compression is negotiated' \
  $CLI --skip-ssl --compress -u app -ps3cret-pw shop -e 'SELECT 1'
capture cli-compress-zlib 'mariadb CLI with --compress: a long query and a 60 kB result inflated with zlib' \
  $CLI --skip-ssl --compress -u app -ps3cret-pw shop -e "SELECT seq, REPEAT('z', seq * 10) AS filler FROM seq_1_to_100 WHERE seq NOT IN (1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010)"
capture cli-create-user 'mariadb CLI: CREATE USER with a password in the SQL (it must not reach the call)' \
  $CLI --skip-ssl -u app -ps3cret-pw shop -e "CREATE USER tmpu IDENTIFIED BY 'hunter2'; SET PASSWORD FOR tmpu = PASSWORD('hunter3'); DROP USER tmpu"
capture admin-status 'mariadb-admin status and ping: COM_STATISTICS and COM_PING' \
  mariadb-admin -h 127.0.0.1 -P $PORT --skip-ssl -u app -ps3cret-pw status ping
for n in execute multi errors use call close many; do
  capture node-$n "Node mysql2: $n" sh -c "cd $CLIENTS && node node-clients.cjs $PORT $n"
done
rm -rf "$TMP"
