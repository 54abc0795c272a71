-- A session of the real mariadb client, fed on stdin (mariadb --force ... < mariadb-session.sql):
-- the client cuts this file at each delimiter and sends every statement as its own COM_QUERY,
-- except USE, which it sends as COM_INIT_DB. mariadb-session.account.json says what goes out.
SELECT 6 * 7 AS answer;
SELECT id, name, email FROM users ORDER BY id;
-- an error: with --force the client reports it and goes on
SELECT * FROM no_such_table;
SELECT count(*) AS orders FROM orders WHERE user_id = 3;
-- one COM_QUERY holding two statements: with another delimiter the client leaves `;` to the server
DELIMITER //
SELECT 1 AS a; SELECT 'two' AS b //
DELIMITER ;
USE information_schema;
SELECT table_name FROM tables WHERE table_schema = 'app' ORDER BY table_name;
USE app;
START TRANSACTION;
INSERT INTO orders (user_id, total) VALUES (4, 15.00);
SELECT count(*) AS orders FROM orders;
-- the seeded data stays as it was for the next client
ROLLBACK;
SELECT 'done' AS status;
