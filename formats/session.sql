-- The .tinytap session file, schema version 2: the raw capture, the source of truth.
-- SPEC.md ("Session file") documents every table and column; derived tables (exchanges and
-- their index) live in formats/exchanges.sql and can always be rebuilt from these.
-- The recorder sets these pragmas before creating the tables:
--   PRAGMA application_id = 1953784177;  -- 0x74746171, 'ttaq': identifies a tinytap session
--   PRAGMA user_version = 2;             -- this schema's version (readers also read 1)
--   PRAGMA journal_mode = WAL;           -- while recording; DELETE after a clean stop

-- Key/value facts about the recording (values are JSON).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- The kernel's records exactly as captured (formats/tinytap_events.h), timestamps converted to
-- wall-clock time, many per block, compressed as a whole. Blocks are in capture order.
CREATE TABLE event_blocks (
  id           INTEGER PRIMARY KEY,
  first_record INTEGER NOT NULL, -- record number (from 0, over the whole file) of its first record
  records      INTEGER NOT NULL, -- records in the block
  events       INTEGER NOT NULL, -- syscall events starting in the block (DATA records with chunk_off 0)
  first_ts     INTEGER NOT NULL, -- wall-clock ns of its first record
  last_ts      INTEGER NOT NULL, -- and of its last
  codec        INTEGER NOT NULL, -- 0 stored, 1 raw DEFLATE (RFC 1951), 2 zstd frames (RFC 8878; schema 3)
  raw_len      INTEGER NOT NULL, -- bytes once decompressed
  data         BLOB NOT NULL     -- records framed as: u32 length, u32 0, record, zero padding to 8
);

-- Which blocks hold records of a connection: reading one connection skips the others.
CREATE TABLE conn_blocks (
  conn_id  INTEGER NOT NULL,
  block_id INTEGER NOT NULL,
  PRIMARY KEY (conn_id, block_id)
) WITHOUT ROWID;

-- One row per process seen (an exec gives the same pid a new row).
CREATE TABLE processes (
  id          INTEGER PRIMARY KEY,
  pid         INTEGER NOT NULL,
  ppid        INTEGER,
  uid         INTEGER,
  comm        TEXT,
  argv        TEXT,     -- JSON array of strings
  args_truncated INTEGER NOT NULL DEFAULT 0,
  exe         TEXT,     -- NULL when the process had exited before it could be read
  cgroup      TEXT,     -- cgroup v2 path, e.g. /system.slice/nginx.service
  cgroup_id   INTEGER,
  start_time  INTEGER,  -- wall-clock ns
  first_seen  INTEGER NOT NULL, -- wall-clock ns of the first record naming it
  source      TEXT NOT NULL     -- 'proc' (read from /proc) or 'kernel' (from the capture only)
);
CREATE INDEX processes_pid ON processes(pid);

-- One row per connection: one socket, from connect/accept/first use until its last holder let
-- go of it. Decoded from the CONN and CLOSE records, with the process that connected, accepted
-- or first used it (connection_users lists every process that used it) and byte counts.
CREATE TABLE connections (
  id          INTEGER PRIMARY KEY, -- the kernel's conn_id
  process_id  INTEGER REFERENCES processes(id),
  pid         INTEGER NOT NULL,
  fd          INTEGER NOT NULL,
  family      INTEGER NOT NULL,    -- 2 AF_INET, 10 AF_INET6, 1 AF_UNIX
  type        INTEGER NOT NULL,    -- 1 SOCK_STREAM, 2 SOCK_DGRAM, 5 SOCK_SEQPACKET
  protocol    INTEGER NOT NULL,    -- 6 TCP, 17 UDP, 0 unix
  role        INTEGER NOT NULL,    -- 0 unknown, 1 client, 2 server
  cause       INTEGER NOT NULL,    -- 0 first seen, 1 connect, 2 accept, 3 connect failed
  error       INTEGER NOT NULL DEFAULT 0, -- errno of a failed connect (ECANCELED: abandoned)
  local_addr  TEXT,
  local_port  INTEGER,
  remote_addr TEXT,
  remote_port INTEGER,
  local_path  TEXT,
  peer_path   TEXT,
  sock        TEXT,                -- the socket's identity: its inode number (schema 1: a kernel address, hex)
  peer_sock   TEXT,                -- unix: the peer socket's identity, when known
  opened_at   INTEGER NOT NULL,    -- wall-clock ns
  closed_at   INTEGER,             -- when its last holder let go of it
  closed_how  INTEGER,             -- 0 close(), 1 exit, 2 dup2/dup3, 3 close_range(), 4 reconnected
  bytes_sent  INTEGER NOT NULL DEFAULT 0,
  bytes_received INTEGER NOT NULL DEFAULT 0,
  events      INTEGER NOT NULL DEFAULT 0,
  last_ts     INTEGER              -- wall-clock ns of its last event
);
CREATE INDEX connections_remote ON connections(remote_port, remote_addr);
CREATE INDEX connections_local ON connections(local_port, local_addr);

-- Every process that used a connection: the one that connected, accepted or first used it,
-- then each one that went on with the same socket (inherited across fork, or passed over a unix
-- socket), in the order they came.
CREATE TABLE connection_users (
  conn_id     INTEGER NOT NULL,
  pid         INTEGER NOT NULL,
  process_id  INTEGER REFERENCES processes(id),
  fd          INTEGER NOT NULL,    -- its fd for the socket
  cause       INTEGER NOT NULL,    -- its CONN record's cause: 0 first seen, 1 connect, 2 accept, 4 shared
  since       INTEGER NOT NULL,    -- wall-clock ns
  let_go_at   INTEGER,             -- when it let go of the socket (close, exit...)
  PRIMARY KEY (conn_id, pid)
) WITHOUT ROWID;
