-- Derived tables of a .tinytap session: what the protocol parsers made of the raw records
-- (formats/session.sql). Everything here can be deleted and rebuilt by `tinytap reparse`;
-- derived_meta says which parser version built it and from how many records.

CREATE TABLE IF NOT EXISTS derived_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL          -- JSON
) WITHOUT ROWID;

-- A conversation between two endpoints as the protocol layer sees it: one TCP connection, unix
-- connection or UDP peer pair, with one or both of its ends captured. A loopback connection
-- between two local processes is one flow with both ends (client_conn and server_conn).
CREATE TABLE IF NOT EXISTS flows (
  id           INTEGER PRIMARY KEY,
  client_conn  INTEGER,        -- connections.id of the client's end, if captured
  server_conn  INTEGER,        -- connections.id of the server's end, if captured
  client_pid   INTEGER,
  client_comm  TEXT,
  server_pid   INTEGER,
  server_comm  TEXT,
  transport    TEXT NOT NULL,  -- 'tcp', 'udp', 'unix', 'unix-dgram'
  client_addr  TEXT,           -- ip or unix path
  client_port  INTEGER,
  server_addr  TEXT,
  server_port  INTEGER,
  protocol     TEXT NOT NULL,  -- 'http/1.1', 'http/1.0', 'unknown', or the protocol switched to
  started_at   INTEGER NOT NULL, -- wall-clock ns
  ended_at     INTEGER,
  bytes_c2s    INTEGER NOT NULL DEFAULT 0,
  bytes_s2c    INTEGER NOT NULL DEFAULT 0,
  exchanges    INTEGER NOT NULL DEFAULT 0,
  error        TEXT,           -- why the protocol parser gave up, or a capture flaw, if any
  -- every process that used an end, when more than one did (JSON [{pid, comm, cause}], in order:
  -- the one that connected or accepted it first, then those that took it over)
  client_processes TEXT,
  server_processes TEXT,
  -- the TLS library whose plaintext tinytap read ('openssl', 'gnutls', 'go crypto/tls'): the
  -- exchanges are then parsed from the plaintext, and are https
  tls          TEXT,
  -- what the TLS handshake says in the clear: the server name asked for (SNI), the application
  -- protocols (the server's choice when visible, else the client's offers) and the version
  tls_server_name TEXT,
  tls_alpn        TEXT,
  tls_version     TEXT
);
CREATE INDEX IF NOT EXISTS flows_started ON flows(started_at);

-- One request and its response (if any), of any protocol: an HTTP request, a SQL query, a Redis
-- command; or one message nobody asked for (a pub/sub message). The columns up to `detail` that
-- say "HTTP" are NULL for the others; `protocol`, `operation` and `target` say what any of them
-- is, and `detail` holds what only its protocol has (SPEC.md "Exchange detail").
CREATE TABLE IF NOT EXISTS exchanges (
  id            INTEGER PRIMARY KEY,
  flow_id       INTEGER NOT NULL,
  seq           INTEGER NOT NULL, -- position on its flow, from 0
  protocol      TEXT NOT NULL,    -- 'http', 'postgresql', 'mysql', 'redis'
  operation     TEXT,             -- HTTP method, SQL keyword ('SELECT'), Redis command ('HGETALL')
  target        TEXT,             -- HTTP request target as sent; the SQL or Redis command line (at most 1000 characters)
  client_pid    INTEGER,
  client_comm   TEXT,
  server_pid    INTEGER,
  server_comm   TEXT,
  server_port   INTEGER,
  client_port   INTEGER,
  method        TEXT,
  scheme        TEXT,             -- 'http'
  host          TEXT,             -- from the Host header, else the server address
  path          TEXT,             -- without the query
  query         TEXT,             -- without the '?'; NULL if none
  url           TEXT,             -- scheme://host/path?query
  http_version  TEXT,             -- of the request
  status        INTEGER,          -- NULL: no response
  reason        TEXT,
  req_started   INTEGER NOT NULL, -- wall-clock ns: first request byte
  req_ended     INTEGER,          -- last request byte
  resp_started  INTEGER,          -- first response byte
  resp_ended    INTEGER,          -- last response byte
  duration_ns   INTEGER,          -- resp_ended - req_started
  ttfb_ns       INTEGER,          -- resp_started - req_ended (or req_started)
  req_body_size INTEGER,          -- body bytes, real length (captured or not)
  resp_body_size INTEGER,
  req_size      INTEGER,          -- head + body as on the wire
  resp_size     INTEGER,
  req_type      TEXT,             -- Content-Type media type, lower case, no parameters
  resp_type     TEXT,
  resp_encoding TEXT,             -- Content-Encoding
  flags         INTEGER NOT NULL DEFAULT 0, -- see SPEC.md "Exchange flags"
  upgrade       TEXT,             -- protocol switched to: 'websocket', 'h2c', 'connect', ...
  error         TEXT,             -- parse error message
  error_dir     TEXT,             -- 'request' or 'response'
  error_offset  INTEGER,          -- stream offset of the error
  error_code    TEXT,             -- the server's error: SQLSTATE, MySQL error number, Redis error prefix
  db            TEXT,             -- the database a query ran in (Redis: the db number)
  rows          INTEGER,          -- rows a query returned or changed; elements of a Redis reply
  shape         TEXT,             -- the query with literals and parameters taken out (model/query-shape.ts)
  names         TEXT,             -- tables a SQL statement names, or keys a Redis command names; one per line
  parent_id     INTEGER,          -- a database call: the HTTP exchange its process was serving then
  link          TEXT,             -- how sure that is: 'sole' (the only request open), 'overlap' (one of several)
  queries       INTEGER,          -- an HTTP exchange served here: database calls made while serving it
  db_ns         INTEGER,          -- and their summed duration
  grpc_service  TEXT,             -- a gRPC call (an HTTP/2 exchange, application/grpc): 'pkg.Service' from :path
  grpc_method   TEXT,             -- its method ('GetItem')
  grpc_status   INTEGER,          -- its grpc-status (0 OK, 5 NOT_FOUND...); NULL: none was seen
  digest        INTEGER NOT NULL, -- 64 bits of a hash of what it says: reparse counts changes with it
  first_event   INTEGER,          -- record number of the first event holding its bytes
  last_event    INTEGER,          -- and of the last
  detail        BLOB NOT NULL     -- msgpack: headers, body ranges, informational responses... (SPEC.md)
);
-- The indexes marked "on first use" are not made by a build: the first query that filters or
-- sorts on their columns makes each (session/first-use-indexes.ts), in a file it may write. Few
-- filters use them, and they were 40% of the indexes' bytes (SPEC.md "Indexes made on first use").
CREATE INDEX IF NOT EXISTS exchanges_started ON exchanges(req_started);
CREATE INDEX IF NOT EXISTS exchanges_flow ON exchanges(flow_id, seq);
CREATE INDEX IF NOT EXISTS exchanges_status ON exchanges(status);
CREATE INDEX IF NOT EXISTS exchanges_method ON exchanges(method); -- on first use
-- NOCASE: host names compare case-insensitively, and `host = ? COLLATE NOCASE` can use it
CREATE INDEX IF NOT EXISTS exchanges_host ON exchanges(host COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS exchanges_server_port ON exchanges(server_port); -- on first use
CREATE INDEX IF NOT EXISTS exchanges_client_port ON exchanges(client_port); -- on first use
CREATE INDEX IF NOT EXISTS exchanges_client_pid ON exchanges(client_pid); -- on first use
CREATE INDEX IF NOT EXISTS exchanges_server_pid ON exchanges(server_pid); -- on first use
CREATE INDEX IF NOT EXISTS exchanges_client_comm ON exchanges(client_comm);
CREATE INDEX IF NOT EXISTS exchanges_server_comm ON exchanges(server_comm);
CREATE INDEX IF NOT EXISTS exchanges_duration ON exchanges(duration_ns); -- on first use
CREATE INDEX IF NOT EXISTS exchanges_resp_body_size ON exchanges(resp_body_size); -- on first use
-- by time within a protocol: `ls proto:pg -n 50` walks it in order and stops at the 50th
CREATE INDEX IF NOT EXISTS exchanges_protocol ON exchanges(protocol, req_started);
CREATE INDEX IF NOT EXISTS exchanges_parent ON exchanges(parent_id) WHERE parent_id IS NOT NULL;
-- the few flagged exchanges (is:n+1, is:incomplete ...) and requests that made queries (queries:>10)
CREATE INDEX IF NOT EXISTS exchanges_flagged ON exchanges(flags) WHERE flags != 0;
CREATE INDEX IF NOT EXISTS exchanges_queries ON exchanges(queries) WHERE queries IS NOT NULL;
-- `sql:"from users"`: the few distinct shapes that contain the text are found in this index, and
-- then their rows (a substring cannot use an index; scanning the shapes of every row took 0.5 s)
CREATE INDEX IF NOT EXISTS exchanges_shape ON exchanges(shape) WHERE shape IS NOT NULL; -- on first use
-- `grpc.service:` and `grpc.method:` find the gRPC calls among every other exchange
CREATE INDEX IF NOT EXISTS exchanges_grpc ON exchanges(grpc_service, grpc_method) WHERE grpc_service IS NOT NULL; -- on first use
CREATE INDEX IF NOT EXISTS exchanges_grpc_status ON exchanges(grpc_status) WHERE grpc_status IS NOT NULL; -- on first use

-- The messages of a WebSocket connection, listed under the exchange that upgraded it (the 101).
-- Unlike an HTTP body a message cannot be read again from the raw records by offset (clients
-- mask every frame, permessage-deflate's window spans messages), so its first bytes are stored:
-- at most 64 KiB a message and 16 MiB a connection (protocols/websocket/limits.ts), `cut` says
-- when fewer were kept. Their text is also the upgrade exchange's searchable text.
CREATE TABLE IF NOT EXISTS ws_messages (
  exchange_id  INTEGER NOT NULL,  -- exchanges.id of the upgrade
  seq          INTEGER NOT NULL,  -- position on the connection, from 0, in the order messages ended
  dir          TEXT NOT NULL,     -- 'c2s' (sent by the client) or 's2c'
  type         TEXT NOT NULL,     -- 'text', 'binary', 'close', 'ping', 'pong'
  opcode       INTEGER NOT NULL,  -- of its first frame
  started      INTEGER NOT NULL,  -- wall-clock ns: its first byte
  ended        INTEGER NOT NULL,  -- its last byte
  frames       INTEGER NOT NULL,
  wire_length  INTEGER NOT NULL,  -- payload bytes on the wire (compressed, when compressed)
  length       INTEGER,           -- payload bytes after inflating; NULL: could not be inflated
  flags        INTEGER NOT NULL,  -- 1 compressed, 2 complete, 4 gap (SPEC.md "WebSocket messages")
  cut          TEXT,              -- why fewer bytes were kept: 'message-limit', 'connection-budget'
  close_code   INTEGER,
  close_reason TEXT,
  text         TEXT,              -- a text message's kept bytes, when they are UTF-8
  payload      BLOB,              -- the kept bytes of any other message
  flaws        TEXT,              -- JSON [{code, offset, message}]: protocol errors in its frames
  PRIMARY KEY (exchange_id, seq)
) WITHOUT ROWID;

-- The searchable text of each exchange: URL, header lines, bodies with their content-encoding
-- removed (text bodies only, at most 1 MiB each). A database call's request body is its SQL or
-- command line and its parameters, its response body the values of its result (at most 64 KiB
-- each); it has no headers. Stored once, compressed (SPEC.md "Searchable text"): `data` holds the
-- five fields (url, req_headers, resp_headers, req_body, resp_body), each as its UTF-8 byte
-- length (u32 little-endian) and then its bytes, all lengths first; `codec` 0 as they are, 2 a
-- zstd frame of them made with text_dictionary. Read with tinytap's SQL function
-- tinytap_text(codec, data, field).
CREATE TABLE IF NOT EXISTS exchange_text (
  id        INTEGER PRIMARY KEY,  -- exchanges.id
  codec     INTEGER NOT NULL,
  data      BLOB NOT NULL
);

-- The zstd dictionary exchange_text's frames are made with (id 1), trained by the build on the
-- text of the file's first exchanges: a few hundred bytes of URL and header lines compress by a
-- fifth alone, by four fifths with it.
CREATE TABLE IF NOT EXISTS text_dictionary (
  id        INTEGER PRIMARY KEY,
  data      BLOB NOT NULL
);

-- A trigram index for substring search, which keeps no copy of the text (contentless): a query
-- asks it for the rows holding every trigram of the text (MATCH '"abc" AND "bcd" ...'), then
-- checks each for the exact substring in exchange_text (model/text-sql.ts). detail=none keeps it
-- about a fifth of the size of a full one; it cannot answer phrase queries, which tinytap does not use.
CREATE VIRTUAL TABLE IF NOT EXISTS exchange_fts USING fts5(
  url, req_headers, resp_headers, req_body, resp_body,
  content = '',
  tokenize = 'trigram', detail = 'none'
);

-- The records a file of a `record --dir` chain begins with but does not hold: those of exchanges
-- that were in flight when the file before it ended, copied from that file (or the ones before
-- it) when this file is built, so that the exchange is whole here, the file that holds its last
-- byte (SPEC.md §3.1). Laid out as event_blocks, with negative ids and record numbers (the last
-- record is -1): they come before this file's own records, and exchanges name them as they name
-- any record (first_event). Built again from the file before, if it is there, by a rebuild.
CREATE TABLE IF NOT EXISTS carried_blocks (
  id           INTEGER PRIMARY KEY,  -- negative, increasing in capture order
  first_record INTEGER NOT NULL,     -- negative record number of its first record
  records      INTEGER NOT NULL,
  events       INTEGER NOT NULL,
  first_ts     INTEGER NOT NULL,
  last_ts      INTEGER NOT NULL,
  codec        INTEGER NOT NULL,     -- as event_blocks.codec
  raw_len      INTEGER NOT NULL,
  data         BLOB NOT NULL,        -- records framed as in event_blocks
  origin_file  TEXT NOT NULL,        -- the file each of its records was recorded in
  origins      BLOB NOT NULL         -- each record's number there: a little-endian i64 per record
);
