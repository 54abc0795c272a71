-- A session of the real psql, run as psql -X -e -v ON_ERROR_STOP=0 -f psql-session.sql (see
-- runPsqlSession in test/helpers/db-clients.ts). psql sends each statement as its own simple
-- Query message, \; joins two into one, COPY runs the copy sub-protocol both ways, and an error
-- does not stop the script. psql-session.account.json says what goes out and what comes back.
SELECT 6 * 7 AS answer;
SELECT id, name, email FROM users ORDER BY id;
\set uid 3
SELECT count(*) AS orders FROM orders WHERE user_id = :uid;
SELECT * FROM no_such_table;
SELECT 1 AS a \; SELECT 'two' AS b;
DO $$ BEGIN RAISE NOTICE 'hello from psql-session'; END $$;
BEGIN;
INSERT INTO orders (user_id, total) VALUES (4, 15.00);
SELECT count(*) AS orders FROM orders;
ROLLBACK;
COPY (SELECT id, name FROM users WHERE id <= 2 ORDER BY id) TO STDOUT WITH (FORMAT csv);
CREATE TEMP TABLE pasted (n int, word text);
COPY pasted FROM STDIN;
1	one
2	two
\.
SELECT n, word FROM pasted ORDER BY n;
SELECT 'done' AS status;
