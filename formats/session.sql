-- The .tinytap session file, schema version 1: the raw capture, the source of truth.
-- SPEC.md ("Session file") documents every table and column; derived tables (exchanges and
-- their index) live in formats/exchanges.sql and can always be rebuilt from these.
-- The recorder sets these pragmas before creating the tables:
--   PRAGMA application_id = 1953789041;  -- 0x74746171, 'ttaq': identifies a tinytap session
--   PRAGMA user_version = 1;             -- this schema's version
--   PRAGMA journal_mode = WAL;

-- Key/value facts about the recording (values are JSON).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Thread and process names, stored once and referenced by events.comm_id.
CREATE TABLE comms (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- One row per process seen (per exec: an exec gives the same pid a new row).
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

-- One row per connection: a socket fd of one process, from connect/accept/first use to close.
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
  error       INTEGER NOT NULL DEFAULT 0, -- errno of a failed connect
  local_addr  TEXT,
  local_port  INTEGER,
  remote_addr TEXT,
  remote_port INTEGER,
  local_path  TEXT,
  peer_path   TEXT,
  sock        TEXT,                -- kernel socket identity (hex), equal for fds of one socket
  peer_sock   TEXT,                -- unix: the peer socket's identity
  opened_at   INTEGER NOT NULL,    -- wall-clock ns
  closed_at   INTEGER,
  bytes_sent  INTEGER NOT NULL DEFAULT 0,
  bytes_received INTEGER NOT NULL DEFAULT 0,
  events      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX connections_remote ON connections(remote_port, remote_addr);
CREATE INDEX connections_local ON connections(local_port, local_addr);

-- One row per socket syscall (per message of sendmmsg/recvmmsg), as captured.
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  ts          INTEGER NOT NULL,    -- wall-clock ns
  conn_id     INTEGER NOT NULL,
  pid         INTEGER NOT NULL,
  tid         INTEGER NOT NULL,
  comm_id     INTEGER NOT NULL,
  fd          INTEGER NOT NULL,
  syscall     INTEGER NOT NULL,    -- enum tt_syscall
  dir         INTEGER NOT NULL,    -- 1 egress (sent), 2 ingress (received)
  flags       INTEGER NOT NULL,    -- enum tt_data_flags, plus 256 = records of it were lost
  ret         INTEGER NOT NULL,    -- bytes moved, or -errno
  stream_off  INTEGER NOT NULL,    -- offset in this direction's byte stream
  captured    INTEGER NOT NULL,    -- payload bytes stored
  aux_fd      INTEGER,             -- sendfile/splice input fd
  msg_index   INTEGER,             -- sendmmsg/recvmmsg message index
  peer        TEXT,                -- datagram peer address "addr:port"
  block_id    INTEGER,             -- payload_blocks row holding the captured bytes
  block_off   INTEGER              -- offset of them in the block's uncompressed data
);
CREATE INDEX events_conn ON events(conn_id, id);

-- Captured payload bytes, many events per block, compressed as a whole.
CREATE TABLE payload_blocks (
  id          INTEGER PRIMARY KEY,
  codec       INTEGER NOT NULL,    -- 0 stored, 1 raw DEFLATE (RFC 1951)
  raw_len     INTEGER NOT NULL,
  data        BLOB NOT NULL
);
