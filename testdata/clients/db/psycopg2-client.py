"""A real PostgreSQL client: psycopg2 (Debian's python3-psycopg2, so run it with /usr/bin/python3),
one connection, and an account of each query as psycopg2 saw it.

psycopg2 speaks only the simple Query protocol: it interpolates the parameters itself, so what
goes on the wire is `sent` (cursor.mogrify), not `sql`. Outside autocommit it sends BEGIN
before the first statement of a transaction, and conn.commit()/rollback() send COMMIT/ROLLBACK:
those are in the account too, marked "implicit". executemany() sends one query per parameter
set: one account entry each.

Usage: DB_PASSWORD=... /usr/bin/python3 psycopg2-client.py --host H --port P --user U --database D
  (or --socket DIR for the unix socket); prints { client, connections, calls } (README.md).
"""

import argparse
import datetime
import decimal
import json
import os
import sys

import psycopg2

ap = argparse.ArgumentParser()
for name in ("host", "port", "socket", "user", "database"):
    ap.add_argument(f"--{name}")
opts = ap.parse_args()
env = os.environ
socket = opts.socket or env.get("DB_SOCKET", "")
conn_info = {
    "via": "unix" if socket else "tcp",
    "host": opts.host or env.get("DB_HOST", "127.0.0.1"),
    "port": int(opts.port or env.get("DB_PORT", "0")),
    "socket": socket,
    "user": opts.user or env.get("DB_USER", ""),
    "database": opts.database or env.get("DB_NAME", ""),
}
password = env.get("DB_PASSWORD", "")

conn = psycopg2.connect(
    host=socket or conn_info["host"],
    port=conn_info["port"],
    user=conn_info["user"],
    password=password,
    dbname=conn_info["database"],
    application_name="psycopg2-client",
)
conn.autocommit = True
calls = []


def plain(v):
    """A value as JSON can hold it: NUMERIC as its text, dates as ISO text."""
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v


def entry(sql, params, sent, how):
    e = {"sql": sql, "params": None if params is None else [plain(p) for p in params], "sent": sent, "protocol": "simple", "call": how, "results": [], "notices": [], "error": None}
    calls.append(e)
    return e


def finish(e, cur, notices_before):
    # the CommandComplete tag as the server sent it ("SELECT 3", "INSERT 0 1"), psycopg2's statusmessage
    rows = [[plain(v) for v in row] for row in cur.fetchall()] if cur.description else []
    fields = [d.name for d in cur.description] if cur.description else []
    e["results"] = [{"tag": cur.statusmessage, "rowCount": cur.rowcount, "fields": fields, "rows": rows}]
    e["notices"] = [n.strip() for n in conn.notices[notices_before:]]


def implicit_begin():
    # outside autocommit psycopg2 opens the transaction itself, before the first statement
    if not conn.autocommit and conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        entry("BEGIN", None, "BEGIN", "implicit")


def execute(sql, params=None):
    with conn.cursor() as cur:
        implicit_begin()
        sent = cur.mogrify(sql, params).decode()
        e = entry(sql, params, sent, "execute")
        before = len(conn.notices)
        try:
            cur.execute(sql, params)
            finish(e, cur, before)
        except psycopg2.Error as err:
            e["error"] = {"code": err.pgcode, "severity": err.diag.severity, "message": err.diag.message_primary}


def executemany(sql, param_sets):
    with conn.cursor() as cur:
        implicit_begin()
        for params in param_sets:
            entry(sql, params, cur.mogrify(sql, params).decode(), "executemany")
        cur.executemany(sql, param_sets)


def end(how):
    sql = "COMMIT" if how == "commit" else "ROLLBACK"
    entry(sql, None, sql, "implicit")
    conn.commit() if how == "commit" else conn.rollback()


execute("SELECT 6 * 7 AS answer")
execute("SELECT %s::text AS t, %s::int AS i, %s::text AS n", ("hello", 42, None))
execute("SELECT id, name, email FROM users WHERE id <= %s ORDER BY id", (3,))
execute("SELECT id, user_id, total FROM orders ORDER BY id")
execute("SELECT * FROM no_such_table")
execute("SELECT %s::date AS d, %s::numeric AS n", (datetime.date(2026, 12, 3), decimal.Decimal("19.75")))

conn.autocommit = False
executemany("INSERT INTO orders (user_id, total) VALUES (%s, %s)", [(2, "1.00"), (2, "2.00"), (2, "3.00")])
execute("SELECT count(*) AS n FROM orders WHERE user_id = %s", (2,))
end("rollback")  # the seeded data stays as it was for the next client
execute("UPDATE users SET email = email WHERE id = %s", (1,))
end("commit")
execute("SELECT 1 / 0")
end("rollback")

conn.autocommit = True
execute("DO $$ BEGIN RAISE NOTICE 'hello from psycopg2-client'; END $$")
conn.close()

where = {"socket": socket} if socket else {"host": conn_info["host"], "port": conn_info["port"]}
account = {
    "client": f"psycopg2 {psycopg2.__version__.split()[0]}",
    "connections": [{"id": 1, "via": conn_info["via"], **where, "user": conn_info["user"], "database": conn_info["database"], "password": password != ""}],
    "calls": calls,
}


def lines(items):
    return "[\n" + ",\n".join("    " + json.dumps(i, separators=(",", ":")) for i in items) + "\n  ]" if items else "[]"


sys.stdout.write('{\n  "client": %s,\n  "connections": %s,\n  "calls": %s\n}\n' % (json.dumps(account["client"]), lines(account["connections"]), lines(account["calls"])))
