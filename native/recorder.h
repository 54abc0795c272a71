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

struct tinytap_bpf;
struct ring_buffer;

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
  enum class State { Idle, Running, Stopping, Stopped };
  using Batch = std::vector<uint8_t>;

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value AddPid(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Features(const Napi::CallbackInfo& info);
  Napi::Value ClockOffset(const Napi::CallbackInfo& info);

  void Open(Napi::Env env);
  void Load(Napi::Env env);
  void FillFilterMaps(Napi::Env env);
  void Attach(Napi::Env env);
  void Drain();
  void Flush();
  void DetachAll();
  void Teardown();
  void ReleaseTsfn();
  std::vector<uint64_t> ReadStats();
  static int OnRecord(void* ctx, void* data, size_t size);
  static void OnCleanup(void* arg);

  RecorderOptions opts_;
  State state_ = State::Idle;
  struct ::tinytap_bpf* skel_ = nullptr;
  struct ::ring_buffer* ring_ = nullptr;
  bool sendfile_bodies_active_ = false;
  std::mutex stats_mutex_;
  std::vector<uint64_t> final_stats_;  // the counters as they were when capture stopped
  bool stats_final_ = false;
  std::string sendfile_bodies_note_;

  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> abandoned_{false};  // Node is shutting down: deliver nothing more
  Batch batch_;
  uint64_t batch_started_ms_ = 0;
  uint64_t clock_offset_ns_ = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC at start

  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference on_batch_;
  std::unique_ptr<Napi::Promise::Deferred> stopped_;
  Napi::Env env_;
};

}  // namespace tinytap
