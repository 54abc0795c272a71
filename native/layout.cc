#include "layout.h"

#include <cstddef>

extern "C" {
#include "tinytap_events.h"
}

namespace tinytap {
namespace {

#define FIELD(obj, type, field)                                                  \
  do {                                                                           \
    Napi::Object field_ = Napi::Object::New(env);                                \
    field_.Set("offset", static_cast<double>(offsetof(type, field)));           \
    field_.Set("size", static_cast<double>(sizeof(static_cast<type*>(nullptr)->field))); \
    obj.Set(#field, field_);                                                     \
  } while (0)

Napi::Object Struct(Napi::Env env, size_t size) {
  Napi::Object s = Napi::Object::New(env);
  s.Set("size", static_cast<double>(size));
  return s;
}

Napi::Object Header(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_header));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_header, kind);
  FIELD(f, tt_header, version);
  FIELD(f, tt_header, cpu);
  FIELD(f, tt_header, pid);
  FIELD(f, tt_header, tid);
  FIELD(f, tt_header, ts_ns);
  FIELD(f, tt_header, comm);
  s.Set("fields", f);
  return s;
}

Napi::Object Addr(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_addr));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_addr, family);
  FIELD(f, tt_addr, port);
  FIELD(f, tt_addr, scope_id);
  FIELD(f, tt_addr, addr);
  s.Set("fields", f);
  return s;
}

Napi::Object Data(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_data));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_data, conn_id);
  FIELD(f, tt_data, ret);
  FIELD(f, tt_data, stream_off);
  FIELD(f, tt_data, chunk_off);
  FIELD(f, tt_data, chunk_len);
  FIELD(f, tt_data, fd);
  FIELD(f, tt_data, aux_fd);
  FIELD(f, tt_data, syscall);
  FIELD(f, tt_data, dir);
  FIELD(f, tt_data, flags);
  FIELD(f, tt_data, msg_index);
  FIELD(f, tt_data, xflags);
  FIELD(f, tt_data, peer);
  {
    Napi::Object d = Napi::Object::New(env);  // flexible array: the payload follows the header
    d.Set("offset", static_cast<double>(offsetof(tt_data, data)));
    d.Set("size", 0);
    f.Set("data", d);
  }
  s.Set("fields", f);
  return s;
}

Napi::Object Conn(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_conn));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_conn, conn_id);
  FIELD(f, tt_conn, ino);
  FIELD(f, tt_conn, peer_ino);
  FIELD(f, tt_conn, fd);
  FIELD(f, tt_conn, error);
  FIELD(f, tt_conn, family);
  FIELD(f, tt_conn, type);
  FIELD(f, tt_conn, protocol);
  FIELD(f, tt_conn, role);
  FIELD(f, tt_conn, cause);
  FIELD(f, tt_conn, local);
  FIELD(f, tt_conn, remote);
  FIELD(f, tt_conn, local_path_len);
  FIELD(f, tt_conn, peer_path_len);
  FIELD(f, tt_conn, local_path);
  FIELD(f, tt_conn, peer_path);
  s.Set("fields", f);
  return s;
}

Napi::Object Close(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_close));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_close, conn_id);
  FIELD(f, tt_close, fd);
  FIELD(f, tt_close, how);
  FIELD(f, tt_close, flags);
  s.Set("fields", f);
  return s;
}

Napi::Object TlsJoin(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_tls_join));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_tls_join, conn_id);
  FIELD(f, tt_tls_join, token);
  FIELD(f, tt_tls_join, stream_off);
  FIELD(f, tt_tls_join, fd);
  FIELD(f, tt_tls_join, dir);
  s.Set("fields", f);
  return s;
}

Napi::Object Proc(Napi::Env env) {
  Napi::Object s = Struct(env, sizeof(tt_proc));
  Napi::Object f = Napi::Object::New(env);
  FIELD(f, tt_proc, start_ns);
  FIELD(f, tt_proc, cgroup_id);
  FIELD(f, tt_proc, ppid);
  FIELD(f, tt_proc, uid);
  FIELD(f, tt_proc, args_len);
  FIELD(f, tt_proc, flags);
  FIELD(f, tt_proc, args);
  s.Set("fields", f);
  return s;
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("TT_LAYOUT_VERSION", TT_LAYOUT_VERSION);
  c.Set("TT_COMM_LEN", TT_COMM_LEN);
  c.Set("TT_UNIX_PATH_LEN", TT_UNIX_PATH_LEN);
  c.Set("TT_ARGS_LEN", TT_ARGS_LEN);
  c.Set("TT_MAX_IOV", TT_MAX_IOV);
  c.Set("TT_CHUNK_MAX", TT_CHUNK_MAX);
  c.Set("TT_MAX_MMSG", TT_MAX_MMSG);
  c.Set("TT_KIND_DATA", static_cast<int>(TT_KIND_DATA));
  c.Set("TT_KIND_CONN", static_cast<int>(TT_KIND_CONN));
  c.Set("TT_KIND_CLOSE", static_cast<int>(TT_KIND_CLOSE));
  c.Set("TT_KIND_PROC", static_cast<int>(TT_KIND_PROC));
  c.Set("TT_KIND_TLS_DATA", static_cast<int>(TT_KIND_TLS_DATA));
  c.Set("TT_KIND_TLS_JOIN", static_cast<int>(TT_KIND_TLS_JOIN));
  c.Set("TT_SYS_SSL_READ", static_cast<int>(TT_SYS_SSL_READ));
  c.Set("TT_SYS_SSL_WRITE", static_cast<int>(TT_SYS_SSL_WRITE));
  c.Set("TT_SYS_GNUTLS_RECV", static_cast<int>(TT_SYS_GNUTLS_RECV));
  c.Set("TT_SYS_GNUTLS_SEND", static_cast<int>(TT_SYS_GNUTLS_SEND));
  c.Set("TT_SYS_GO_TLS_READ", static_cast<int>(TT_SYS_GO_TLS_READ));
  c.Set("TT_SYS_GO_TLS_WRITE", static_cast<int>(TT_SYS_GO_TLS_WRITE));
  c.Set("TT_TLS_OPENSSL", static_cast<int>(TT_TLS_OPENSSL));
  c.Set("TT_TLS_GNUTLS", static_cast<int>(TT_TLS_GNUTLS));
  c.Set("TT_TLS_GO", static_cast<int>(TT_TLS_GO));
  c.Set("TT_F_TRUNCATED", static_cast<int>(TT_F_TRUNCATED));
  c.Set("TT_F_IOV_TRUNCATED", static_cast<int>(TT_F_IOV_TRUNCATED));
  c.Set("TT_F_ZEROCOPY", static_cast<int>(TT_F_ZEROCOPY));
  c.Set("TT_F_PEER", static_cast<int>(TT_F_PEER));
  c.Set("TT_F_READ_FAILED", static_cast<int>(TT_F_READ_FAILED));
  c.Set("TT_F_LAST", static_cast<int>(TT_F_LAST));
  c.Set("TT_F_ERROR", static_cast<int>(TT_F_ERROR));
  c.Set("TT_F_BODY_SOURCE", static_cast<int>(TT_F_BODY_SOURCE));
  c.Set("TT_X_PEEK", static_cast<int>(TT_X_PEEK));
  c.Set("TT_X_DISCARDED", static_cast<int>(TT_X_DISCARDED));
  c.Set("TT_X_TLS_CIPHER", static_cast<int>(TT_X_TLS_CIPHER));
  c.Set("TT_X_TLS_ADJACENT", static_cast<int>(TT_X_TLS_ADJACENT));
  c.Set("TT_CAUSE_SHARED", static_cast<int>(TT_CAUSE_SHARED));
  c.Set("TT_CLOSE_CALL", static_cast<int>(TT_CLOSE_CALL));
  c.Set("TT_CLOSE_EXIT", static_cast<int>(TT_CLOSE_EXIT));
  c.Set("TT_CLOSE_DUP", static_cast<int>(TT_CLOSE_DUP));
  c.Set("TT_CLOSE_RANGE", static_cast<int>(TT_CLOSE_RANGE));
  c.Set("TT_CLOSE_RECONNECT", static_cast<int>(TT_CLOSE_RECONNECT));
  c.Set("TT_CLOSE_F_STILL_OPEN", static_cast<int>(TT_CLOSE_F_STILL_OPEN));
  c.Set("TT_P_ARGS_TRUNCATED", static_cast<int>(TT_P_ARGS_TRUNCATED));
  c.Set("TT_STAT_DROPPED_RECORDS", static_cast<int>(TT_STAT_DROPPED_RECORDS));
  c.Set("TT_STAT_DROPPED_BYTES", static_cast<int>(TT_STAT_DROPPED_BYTES));
  c.Set("TT_STAT_DROPPED_EVENTS", static_cast<int>(TT_STAT_DROPPED_EVENTS));
  c.Set("TT_STAT_READ_FAILURES", static_cast<int>(TT_STAT_READ_FAILURES));
  c.Set("TT_STAT_UNTRACKED", static_cast<int>(TT_STAT_UNTRACKED));
  c.Set("TT_STAT_WALK_TRUNCATED", static_cast<int>(TT_STAT_WALK_TRUNCATED));
  c.Set("TT_STAT_UNNAMED_SHARERS", static_cast<int>(TT_STAT_UNNAMED_SHARERS));
  c.Set("TT_STAT_FD_WALK_TRUNCATED", static_cast<int>(TT_STAT_FD_WALK_TRUNCATED));
  c.Set("TT_STAT_TLS_UNJOINED", static_cast<int>(TT_STAT_TLS_UNJOINED));
  c.Set("TT_STAT_TLS_MISMATCH", static_cast<int>(TT_STAT_TLS_MISMATCH));
  c.Set("TT_STAT_MAX", static_cast<int>(TT_STAT_MAX));
  return c;
}

}  // namespace

Napi::Object EventLayout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("header", Header(env));
  layout.Set("addr", Addr(env));
  layout.Set("data", Data(env));
  layout.Set("conn", Conn(env));
  layout.Set("close", Close(env));
  layout.Set("proc", Proc(env));
  layout.Set("tlsJoin", TlsJoin(env));
  layout.Set("constants", Constants(env));
  return layout;
}

}  // namespace tinytap
