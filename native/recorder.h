// The capture engine seen from JavaScript: load and attach the BPF programs, drain the ring
// buffer on a thread of its own, hand batches of records to JS, detach on stop. No policy and no
// parsing here: src/record/ decides what to do with the records.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch.h"

struct tinytap_bpf;
struct ring_buffer;
struct bpf_link;

namespace tinytap {

struct RecorderOptions {
  uint32_t max_payload = 256 * 1024;
  uint32_t ring_bytes = 4 * 1024 * 1024;
  uint32_t self_tgid = 0;
  bool filter_pids = false;
  std::vector<uint32_t> pids;
  std::vector<std::string> comms;
  std::vector<uint16_t> ports;
  bool sendfile_bodies = true;
  bool tls = true;
  bool verbose = false;
  size_t flush_bytes = 1 << 20;
  uint32_t flush_ms = 50;
};

class Recorder : public Napi::ObjectWrap<Recorder> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Recorder(const Napi::CallbackInfo& info);
  ~Recorder() override;

 private:
  // Idle → Running (drain thread started) → Stopping (stop asked) → Stopped (the thread is
  // joined, everything detached and freed). A drain error ends the thread's loop while the
  // state is still Running: JS hears of it through onBatch and then calls stop.
  enum class State { Idle, Running, Stopping, Stopped };
  // One call into JS through the thread-safe function, in the order the drain thread made it.
  struct Delivery {
    enum class Kind { Batch, Error, End, Execs } kind;
    Batch batch;
    std::string message;         // Kind::Error
    std::vector<uint32_t> pids;  // Kind::Execs
  };

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value AddPid(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Features(const Napi::CallbackInfo& info);
  Napi::Value AttachUprobes(const Napi::CallbackInfo& info);
  Napi::Value MarkMemoryBio(const Napi::CallbackInfo& info);
  Napi::Value ClockOffset(const Napi::CallbackInfo& info);

  void Open(Napi::Env env);
  void Load(Napi::Env env);
  void FillFilterMaps(Napi::Env env);
  void Attach(Napi::Env env);
  void Drain();
  void Flush();
  void Deliver(Delivery* d);
  void OnDelivery(Napi::Env env, Napi::Function on_batch, Delivery* d);
  void Finish(Napi::Env env);
  void ResolveStop(napi_env env);
  void DetachAll();
  void FreeCapture();
  std::vector<uint64_t> ReadStats();
  static int OnRecord(void* ctx, void* data, size_t size);
  static int OnExec(void* ctx, void* data, size_t size);
  static void OnCleanup(void* arg);

  RecorderOptions opts_;
  State state_ = State::Idle;  // JS thread only
  // Written on the JS thread only, while no drain thread runs (before it starts, after it is
  // joined); the drain thread only reads them.
  struct ::tinytap_bpf* skel_ = nullptr;
  struct ::ring_buffer* ring_ = nullptr;

  bool sendfile_bodies_active_ = false;
  // Uprobe links of TLS libraries, attached after start (AttachUprobes) and detached with the rest;
  // the mutex keeps an attach from racing the drain thread's detach at stop.
  std::mutex tls_links_mutex_;
  std::vector<struct ::bpf_link*> tls_links_;
  bool tls_detached_ = false;  // under tls_links_mutex_: a late attach is refused
  std::mutex stats_mutex_;
  std::vector<uint64_t> final_stats_;  // the counters as they were when capture stopped
  bool stats_final_ = false;
  std::string sendfile_bodies_note_;

  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> abandoned_{false};  // Node is shutting down: deliver nothing more
  bool ring_fd_lost_ = false;  // set by the drain thread, read once it is joined (see Drain)
  Batch batch_;                    // drain thread only
  std::vector<uint32_t> execs_;    // drain thread only: pids that exec'd a file not seen before
  uint64_t batch_started_ms_ = 0;  // drain thread only
  uint64_t clock_offset_ns_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC at start

  Napi::ThreadSafeFunction tsfn_;  // see skel_: the JS thread writes it only with no drain thread
  Napi::FunctionReference on_batch_;
  Napi::FunctionReference on_exec_;  // optional: onExec(pids) for the TLS attacher
  // stop()'s promise, made by its first call; the deferred is resolved (and gone) by Finish
  Napi::ObjectReference stop_promise_;
  napi_deferred stop_deferred_ = nullptr;
  Napi::Env env_;
};

// What the addon was built with: the BPF object it embeds (its ELF bytes, for --version to name
// by digest) and the libbpf and zstd it loaded.
Napi::Value BuiltWith(const Napi::CallbackInfo& info);

}  // namespace tinytap
