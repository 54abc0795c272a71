#include "recorder.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <initializer_list>
#include <chrono>
#include <mutex>

#include "libbpf_log.h"

extern "C" {
#include "tinytap_events.h"
}
#include "tinytap.skel.h"
#include <zstd.h>

namespace tinytap {
namespace {

constexpr size_t kVerifierTailLines = 25;
// Records arrive without wakeups (BPF_RB_NO_WAKEUP) until a quarter of the ring is waiting,
// so the thread also looks every few milliseconds.
constexpr int kPollMs = 5;
// The drain thread's niceness. Records are lost when the ring fills before this thread runs, and
// on a machine whose cores the watched programs keep busy that is a matter of scheduling, not
// of work: at a 2 kB sendfile load (136 MB/s of records) a 4 MiB ring holds 30 ms, and with
// wrk, nginx and two busy loops on two cores the thread at the process's niceness lost records
// in 4 runs of 6 while JS was never behind; at -10, none in 8. The thread does a copy per
// record (an eighth of the recorder's CPU), so what it takes from the watched programs is small;
// compressing and writing stay at the process's own niceness.
constexpr int kDrainNice = -10;
// Batches (about a MiB each under load) waiting for JS before the drain thread waits and the
// ring fills. JS compresses and writes at the process's niceness and on a busy machine falls
// behind for a moment: in the sendfile benchmark a queue of 8 (a quarter of a second of
// records) overflowed in two rounds of three (25,000-60,000 records lost, the queue found
// full); with 32, one round in three lost 2,703 in one run and 18,331 in another. The memory is used only while JS is behind. (Storing
// records uncompressed while behind was tried and made it worse: 30 times the bytes to write
// cost SQLite more than deflate saved, bench/NOTES.md.)
constexpr size_t kDeliveryQueue = 32;

uint64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Errors cross into JS as exceptions with a string `code`; src/record/errors.ts turns each code
// into the one line the user sees.
[[noreturn]] void ThrowCoded(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("libbpfLog", Napi::String::New(env, LibbpfLogTail(kVerifierTailLines)));
  throw e;
}

const char* CodeForErrno(int err) {
  switch (err) {
    case EPERM:
    case EACCES:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case E2BIG:
    case EINVAL:
      return "ELOAD";
    default:
      return "EBPF";
  }
}

uint32_t GetU32(const Napi::Object& o, const char* key, uint32_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
}

bool GetBool(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

RecorderOptions ParseOptions(const Napi::Object& o) {
  RecorderOptions opts;
  opts.max_payload = GetU32(o, "maxPayload", opts.max_payload);
  opts.ring_bytes = GetU32(o, "ringBytes", opts.ring_bytes);
  opts.self_tgid = GetU32(o, "selfPid", 0);
  opts.filter_pids = GetBool(o, "filterPids", false);
  opts.sendfile_bodies = GetBool(o, "sendfileBodies", true);
  opts.tls = GetBool(o, "tls", true);
  opts.verbose = GetBool(o, "verbose", false);
  opts.flush_bytes = GetU32(o, "flushBytes", static_cast<uint32_t>(opts.flush_bytes));
  opts.flush_ms = GetU32(o, "flushMs", opts.flush_ms);
  if (o.Get("pids").IsArray()) {
    Napi::Array a = o.Get("pids").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++)
      opts.pids.push_back(a.Get(i).As<Napi::Number>().Uint32Value());
  }
  if (o.Get("comms").IsArray()) {
    Napi::Array a = o.Get("comms").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++)
      opts.comms.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  }
  if (o.Get("ports").IsArray()) {
    Napi::Array a = o.Get("ports").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++)
      opts.ports.push_back(static_cast<uint16_t>(a.Get(i).As<Napi::Number>().Uint32Value()));
  }
  return opts;
}

}  // namespace

Napi::Function Recorder::Define(Napi::Env env) {
  return DefineClass(env, "Recorder",
                     {
                         InstanceMethod<&Recorder::Start>("start"),
                         InstanceMethod<&Recorder::Stop>("stop"),
                         InstanceMethod<&Recorder::AddPid>("addPid"),
                         InstanceMethod<&Recorder::Stats>("stats"),
                         InstanceMethod<&Recorder::Features>("features"),
                         InstanceMethod<&Recorder::AttachUprobes>("attachUprobes"),
                         InstanceMethod<&Recorder::MarkMemoryBio>("markMemoryBio"),
                         InstanceMethod<&Recorder::ClockOffset>("clockOffsetNs"),
                     });
}

// new Recorder(options, onBatch(buffer | null, error?), onExec?(pids)): onBatch gets every batch
// of records, then at most one error (a drain failure, code ECAPTURE) after the last batch;
// onExec, the pids of processes that exec'd a file not seen before (bpf/tls_calls.h), at once.
Recorder::Recorder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Recorder>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction())
    ThrowCoded(env, "EINVAL", "Recorder(options, onBatch): bad arguments");
  opts_ = ParseOptions(info[0].As<Napi::Object>());
  on_batch_ = Napi::Persistent(info[1].As<Napi::Function>());
  if (info.Length() >= 3 && info[2].IsFunction()) on_exec_ = Napi::Persistent(info[2].As<Napi::Function>());
  napi_add_env_cleanup_hook(env, OnCleanup, this);
}

Recorder::~Recorder() {
  OnCleanup(this);
  napi_remove_env_cleanup_hook(env_, OnCleanup, this);
}

namespace {

// The kernel has every tracepoint of `names` (its BTF names each raw tracepoint's prototype).
// One parse of the kernel's BTF for all of them: each is ~50 ms of `record`'s start.
bool KernelHasTracepoints(std::initializer_list<const char*> names) {
  struct btf* btf = btf__load_vmlinux_btf();
  if (!btf) return false;
  bool found = true;
  for (const char* name : names) {
    std::string type = std::string("btf_trace_") + name;
    found = found && btf__find_by_name_kind(btf, type.c_str(), BTF_KIND_TYPEDEF) >= 0;
  }
  btf__free(btf);
  return found;
}

// x86-64 with 5-level page tables moves the direct map and vmemmap; the kernel clears the la57
// cpu flag when it does not use them.
bool FiveLevelPaging() {
  FILE* f = fopen("/proc/cpuinfo", "r");
  if (!f) return false;
  char line[4096];
  bool la57 = false;
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, "flags", 5) == 0) {
      la57 = strstr(line, " la57") != nullptr;
      break;
    }
  }
  fclose(f);
  return la57;
}

}  // namespace

void Recorder::Open(Napi::Env env) {
  skel_ = tinytap_bpf__open();
  if (!skel_) ThrowCoded(env, "EBPF", std::string("cannot open the BPF object: ") + strerror(errno));
  if (sendfile_bodies_active_) {
    bool five = FiveLevelPaging();
    skel_->rodata->direct_map_base = five ? 0xff11000000000000ull : 0xffff888000000000ull;
    skel_->rodata->vmemmap_start = five ? 0xffd4000000000000ull : 0xffffea0000000000ull;
  } else {
    // isolated: the syscall capture loads and runs the same without the body source
    bpf_program__set_autoload(skel_->progs.on_tcp_sendmsg_locked, false);
    bpf_program__set_autoload(skel_->progs.on_sock_send_length, false);
  }
  skel_->rodata->self_tgid = opts_.self_tgid;
  skel_->rodata->max_payload = opts_.max_payload;
  skel_->rodata->filter_pids = opts_.filter_pids;
  skel_->rodata->filter_comms = !opts_.comms.empty();
  skel_->rodata->filter_ports = !opts_.ports.empty();
  skel_->rodata->capture_sendfile_bodies = sendfile_bodies_active_;
  skel_->rodata->capture_tls = opts_.tls;
  skel_->rodata->wakeup_bytes = opts_.ring_bytes / 4;
  int err = bpf_map__set_max_entries(skel_->maps.events, opts_.ring_bytes);
  if (err) ThrowCoded(env, "EINVAL", "ring buffer size must be a power of two multiple of the page size");
}

void Recorder::Load(Napi::Env env) {
  int err = tinytap_bpf__load(skel_);
  if (err) {
    int e = -err;
    ThrowCoded(env, CodeForErrno(e), std::string("loading the BPF programs failed: ") + strerror(e));
  }
}

void Recorder::FillFilterMaps(Napi::Env env) {
  uint8_t one = 1;
  for (uint32_t pid : opts_.pids) {
    if (bpf_map__update_elem(skel_->maps.target_pids, &pid, sizeof(pid), &one, sizeof(one), BPF_ANY))
      ThrowCoded(env, "EBPF", std::string("cannot add pid filter: ") + strerror(errno));
  }
  for (const std::string& comm : opts_.comms) {
    char key[TT_COMM_LEN] = {};
    // the kernel keeps 15 characters of a name plus NUL; match what it reports
    strncpy(key, comm.c_str(), TT_COMM_LEN - 1);
    if (bpf_map__update_elem(skel_->maps.target_comms, key, sizeof(key), &one, sizeof(one), BPF_ANY))
      ThrowCoded(env, "EBPF", std::string("cannot add comm filter: ") + strerror(errno));
  }
  for (uint16_t port : opts_.ports) {
    if (bpf_map__update_elem(skel_->maps.target_ports, &port, sizeof(port), &one, sizeof(one), BPF_ANY))
      ThrowCoded(env, "EBPF", std::string("cannot add port filter: ") + strerror(errno));
  }
}

void Recorder::Attach(Napi::Env env) {
  int err = tinytap_bpf__attach(skel_);
  if (err) {
    int e = -err;
    // libbpf needs tracefs to find a syscall tracepoint's id; ENOENT is how that shows
    const char* code = e == ENOENT ? "ENOTRACEFS" : CodeForErrno(e);
    ThrowCoded(env, code, std::string("attaching the BPF programs failed: ") + strerror(e));
  }
}

Napi::Value Recorder::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::Idle) ThrowCoded(env, "EINVAL", "recorder already started");
  ClearLibbpfLog();
  SetLibbpfVerbose(opts_.verbose);
  sendfile_bodies_active_ = opts_.sendfile_bodies;
  if (!opts_.sendfile_bodies) {
    sendfile_bodies_note_ = "sendfile/splice bodies are not captured (--no-sendfile-body)";
  } else if (!KernelHasTracepoints({"tcp_sendmsg_locked", "sock_send_length"})) {
    sendfile_bodies_active_ = false;
    sendfile_bodies_note_ =
        "this kernel has no tcp:tcp_sendmsg_locked tracepoint (Linux 6.16 or newer has it): "
        "sendfile/splice bodies are not captured, only their sizes";
  }
  for (int attempt = 0;; attempt++) {
    try {
      Open(env);
      Load(env);
      FillFilterMaps(env);
      Attach(env);
      ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.events), OnRecord, this, nullptr);
      if (!ring_) ThrowCoded(env, "EBPF", std::string("cannot open the ring buffer: ") + strerror(errno));
      if (ring_buffer__add(ring_, bpf_map__fd(skel_->maps.execs), OnExec, this) != 0)
        ThrowCoded(env, "EBPF", std::string("cannot open the exec ring buffer: ") + strerror(errno));
      break;
    } catch (const Napi::Error& e) {
      FreeCapture();
      // the body source is optional: if it is what failed, capture without it (tracefs missing
      // fails every syscall tracepoint: the caller mounts it and starts again)
      Napi::Value code = e.Value().Get("code");
      bool no_tracefs = code.IsString() && code.As<Napi::String>().Utf8Value() == "ENOTRACEFS";
      if (attempt > 0 || !sendfile_bodies_active_ || no_tracefs) throw;
      sendfile_bodies_active_ = false;
      sendfile_bodies_note_ = std::string("the kernel refused the sendfile/splice body program (") +
                              e.Message() + "): sendfile/splice bodies are not captured, only their sizes";
    }
  }

  // wall clock = monotonic + offset; both clocks read back to back, the monotonic one twice
  // around the other so the offset is good to about a microsecond
  {
    struct timespec m1, real, m2;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    auto ns = [](const struct timespec& t) { return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + t.tv_nsec; };
    clock_offset_ns_ = ns(real) - (ns(m1) + (ns(m2) - ns(m1)) / 2);
  }
  tsfn_ = Napi::ThreadSafeFunction::New(env, on_batch_.Value(), "tinytap-drain", kDeliveryQueue, 1);
  // Batches must not keep Node alive by themselves: the JS recorder decides when to stop.
  tsfn_.Unref(env);
  // The drain thread calls back into this object: it must outlive the thread (Finish unrefs).
  Ref();
  state_ = State::Running;
  thread_ = std::thread([this] { Drain(); });
  return env.Undefined();
}

int Recorder::OnRecord(void* ctx, void* data, size_t size) {
  Recorder* self = static_cast<Recorder*>(ctx);
  const auto* hdr = static_cast<const tt_header*>(data);
  size_t keep = size;
  if (hdr->kind == TT_KIND_DATA && size >= sizeof(tt_data)) {
    // chunks are reserved in size classes: copy only the bytes in use
    const auto* d = static_cast<const tt_data*>(data);
    keep = std::min(size, sizeof(tt_data) + d->chunk_len);
  }
  Batch& b = self->batch_;
  if (b.empty()) self->batch_started_ms_ = NowMs();
  // appended, not resized and then written: resize would zero every byte before the copy,
  // a second pass over each MiB (5% of the drain thread's time under a sendfile load, perf)
  static constexpr uint8_t kZeros[8] = {};
  uint8_t prefix[8] = {};
  uint32_t len32 = static_cast<uint32_t>(keep);
  memcpy(prefix, &len32, 4);
  size_t at = b.size();
  const auto* bytes = static_cast<const uint8_t*>(data);
  b.insert(b.end(), prefix, prefix + 8);
  b.insert(b.end(), bytes, bytes + keep);
  b.insert(b.end(), kZeros, kZeros + (((keep + 7) & ~size_t(7)) - keep));
  // records leave here with wall-clock time (SPEC.md "Timestamps"), converted once, in C++
  auto* h = reinterpret_cast<tt_header*>(b.data() + at + 8);
  h->ts_ns += self->clock_offset_ns_;
  return 0;
}

int Recorder::OnExec(void* ctx, void* data, size_t size) {
  Recorder* self = static_cast<Recorder*>(ctx);
  if (size >= sizeof(uint32_t)) self->execs_.push_back(*static_cast<const uint32_t*>(data));
  return 0;
}

// Hand the current batch to JS.
void Recorder::Flush() {
  if (batch_.empty() || abandoned_) {
    batch_.clear();
    return;
  }
  auto* d = new Delivery{Delivery::Kind::Batch, {}, {}, {}};
  d->batch.swap(batch_);
  batch_ = TakeBatch(std::min(opts_.flush_bytes + (64 << 10), d->batch.capacity()));
  Deliver(d);
}

// When JS is behind (kDeliveryQueue batches), wait for room: the ring buffer then fills and the kernel
// counts drops, which is the honest outcome. Not BlockingCall: a thread blocked in it while Node
// shuts down would wait for a JS thread that no longer runs; this one gives up once abandoned.
// (The thread-safe function stays allocated until OnCleanup has joined this thread: its own
// cleanup hook only marks it closing, the memory goes after every hook has run.)
void Recorder::Deliver(Delivery* d) {
  for (;;) {
    napi_status st = tsfn_.NonBlockingCall(
        d, [this](Napi::Env env, Napi::Function fn, Delivery* item) { OnDelivery(env, fn, item); });
    if (st == napi_ok) return;
    if (st != napi_queue_full || abandoned_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  delete d;
}

// On the JS thread, in the order the drain thread delivered. Plain Node-API calls whose failures
// are not turned into C++ exceptions: if onBatch throws, Node reports its error as uncaught once
// this returns; if the thread is being terminated (process.exit() in a worker), the calls fail,
// and node-addon-api's wrapping of that failure would abort the whole process.
void Recorder::OnDelivery(Napi::Env env, Napi::Function on_batch, Delivery* d) {
  std::unique_ptr<Delivery> owned(d);
  if (env == nullptr) return;  // the function is being torn down: only free the item
  napi_value args[2];
  size_t argc = 0;
  switch (d->kind) {
    case Delivery::Kind::Batch: {
      // The batch's own memory becomes the Buffer: no copy of a MiB per batch on the thread that
      // also compresses and writes it (a third of the memory traffic it had). V8 is told how
      // much memory the Buffer holds: external memory it does not know of is memory its garbage
      // collector never hurries to free, and hundreds of megabytes of spent batches piled up
      // when it was not told.
      auto* batch = new Batch(std::move(d->batch));
      int64_t held = static_cast<int64_t>(batch->capacity());
      napi_finalize release = [](napi_env fenv, void*, void* hint) {
        auto* b = static_cast<Batch*>(hint);
        int64_t freed = -static_cast<int64_t>(b->capacity());
        GiveBackBatch(std::move(*b));
        delete b;
        int64_t now;
        if (fenv != nullptr) napi_adjust_external_memory(fenv, freed, &now);
      };
      if (napi_create_external_buffer(env, batch->size(), batch->data(), release, batch, &args[0]) != napi_ok) {
        delete batch;
        return;
      }
      int64_t now;
      napi_adjust_external_memory(env, held, &now);
      argc = 1;
      break;
    }
    case Delivery::Kind::Error: {
      napi_value code, message;
      if (napi_get_null(env, &args[0]) != napi_ok ||
          napi_create_string_utf8(env, "ECAPTURE", NAPI_AUTO_LENGTH, &code) != napi_ok ||
          napi_create_string_utf8(env, d->message.c_str(), d->message.size(), &message) != napi_ok ||
          napi_create_error(env, code, message, &args[1]) != napi_ok)
        return;
      argc = 2;
      break;
    }
    case Delivery::Kind::End:
      Finish(env);
      return;
    case Delivery::Kind::Execs: {
      if (on_exec_.IsEmpty()) return;
      napi_value pids, ab, recv;
      void* data = nullptr;
      size_t bytes = d->pids.size() * sizeof(uint32_t);
      if (napi_create_arraybuffer(env, bytes, &data, &ab) != napi_ok) return;
      memcpy(data, d->pids.data(), bytes);
      if (napi_create_typedarray(env, napi_uint32_array, d->pids.size(), ab, 0, &pids) != napi_ok) return;
      if (napi_get_undefined(env, &recv) == napi_ok) napi_call_function(env, recv, on_exec_.Value(), 1, &pids, nullptr);
      return;
    }
  }
  napi_value recv;
  if (napi_get_undefined(env, &recv) == napi_ok) napi_call_function(env, recv, on_batch, argc, args, nullptr);
}

void Recorder::Drain() {
  std::string error;
  // needs CAP_SYS_NICE; without it the thread keeps the process's niceness and capture goes on
  // as before (drops are counted either way)
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kDrainNice);
  // named, so that top -H and ps -L say which thread has the other niceness
  pthread_setname_np(pthread_self(), "tinytap-drain");
  while (!stop_requested_) {
    int n = ring_buffer__poll(ring_, kPollMs);
    if (n < 0 && n != -EINTR) {
      error = std::string("reading the kernel's ring buffer failed: ") + strerror(-n);
      // EBADF: someone closed the ring's epoll fd, and its number may already be another file's;
      // freeing the ring would close that file, so the ring is left allocated (FreeCapture)
      ring_fd_lost_ = n == -EBADF;
      break;
    }
    // poll returns on the timeout with records that came without a wakeup still waiting
    if (n == 0) n = ring_buffer__consume(ring_);
    // new executables go out at once, ahead of the batch: the TLS probes are attached in JS
    if (!execs_.empty()) {
      auto* d = new Delivery{Delivery::Kind::Execs, {}, {}, {}};
      d->pids.swap(execs_);
      Deliver(d);
    }
    if (!batch_.empty() &&
        (batch_.size() >= opts_.flush_bytes || NowMs() - batch_started_ms_ >= opts_.flush_ms))
      Flush();
  }
  // Stop producing at once (a flag every program checks), let programs already past the check
  // finish, then take what is in the ring (consume reads the shared memory: it works even when
  // polling failed).
  __atomic_store_n(&skel_->bss->paused, 1, __ATOMIC_SEQ_CST);
  if (error.empty()) ring_buffer__poll(ring_, 10);
  ring_buffer__consume(ring_);
  Flush();
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    final_stats_ = ReadStats();
    stats_final_ = true;
  }
  // after the last batch, so JS knows it has everything the ring held
  if (!error.empty() && !abandoned_) Deliver(new Delivery{Delivery::Kind::Error, {}, error, {}});
  // Detaching takes about a second; stop resolves only after it (Finish), so a caller that
  // awaited stop knows no program runs any more.
  DetachAll();
  // The last call: JS joins this thread, frees the rest and resolves stop. Nothing here touches
  // the thread-safe function after it.
  if (!abandoned_) Deliver(new Delivery{Delivery::Kind::End, {}, {}, {}});
}

// On the JS thread, after the drain thread's last delivery.
void Recorder::Finish(Napi::Env env) {
  // the thread is returning from the call that brought us here
  if (thread_.joinable()) thread_.join();
  FreeCapture();
  tsfn_.Release();
  tsfn_ = Napi::ThreadSafeFunction();
  state_ = State::Stopped;
  ResolveStop(env);
  Unref();
}

void Recorder::ResolveStop(napi_env env) {
  if (!stop_deferred_) return;
  napi_value undefined;
  if (napi_get_undefined(env, &undefined) == napi_ok) napi_resolve_deferred(env, stop_deferred_, undefined);
  stop_deferred_ = nullptr;  // resolving frees it
}

// Resolves once every record is delivered to onBatch and every program is detached. Idempotent:
// every call returns the same promise.
Napi::Value Recorder::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (stop_promise_.IsEmpty()) {
    napi_value promise;
    if (napi_create_promise(env, &stop_deferred_, &promise) != napi_ok) ThrowCoded(env, "EINVAL", "cannot create a promise");
    stop_promise_ = Napi::Persistent(Napi::Object(env, promise));
  }
  switch (state_) {
    case State::Running:
      state_ = State::Stopping;
      stop_requested_ = true;
      // keep the loop alive until the final batch and the resolution arrive
      tsfn_.Ref(env);
      break;
    case State::Stopping:
      break;
    case State::Idle:
    case State::Stopped:
      state_ = State::Stopped;
      ResolveStop(env);
      break;
  }
  return stop_promise_.Value();
}

Napi::Value Recorder::AddPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::Running || !skel_ || !info[0].IsNumber())
    ThrowCoded(env, "EINVAL", "addPid(pid) needs a running recorder");
  uint32_t pid = info[0].As<Napi::Number>().Uint32Value();
  uint8_t one = 1;
  if (bpf_map__update_elem(skel_->maps.target_pids, &pid, sizeof(pid), &one, sizeof(one), BPF_ANY))
    ThrowCoded(env, "EBPF", std::string("cannot add pid: ") + strerror(errno));
  return env.Undefined();
}

// markMemoryBio(pid, { major, minor, ino }): the program (a file, by device and inode) uses
// memory BIOs (an OpenSSL linked in, as Node's): the running process `pid` and every process
// that execs the file later get their socket reads remembered for their TLS reads to join
// (bpf/tls_calls.h bio_socket).
Napi::Value Recorder::MarkMemoryBio(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::Running || !skel_ || info.Length() < 2 || !info[0].IsNumber() || !info[1].IsObject())
    ThrowCoded(env, "EINVAL", "markMemoryBio(pid, file) needs a running recorder");
  uint32_t pid = info[0].As<Napi::Number>().Uint32Value();
  Napi::Object f = info[1].As<Napi::Object>();
  // the kernel's dev_t inside: MKDEV(major, minor) = major << 20 | minor
  struct {
    uint64_t dev;
    uint64_t ino;
  } key = {(static_cast<uint64_t>(f.Get("major").As<Napi::Number>().Uint32Value()) << 20) |
               f.Get("minor").As<Napi::Number>().Uint32Value(),
           static_cast<uint64_t>(f.Get("ino").As<Napi::Number>().Int64Value())};
  uint8_t one = 1;
  if (bpf_map__update_elem(skel_->maps.bio_exes, &key, sizeof(key), &one, sizeof(one), BPF_NOEXIST) == 0)
    __atomic_fetch_add(&skel_->bss->bio_exes_count, 1, __ATOMIC_SEQ_CST);
  if (pid && bpf_map__update_elem(skel_->maps.bio_procs, &pid, sizeof(pid), &one, sizeof(one), BPF_NOEXIST) == 0)
    __atomic_fetch_add(&skel_->bss->bio_procs_seen, 1, __ATOMIC_SEQ_CST);
  return env.Undefined();
}

// Only while the drain thread is running and before it took the final values.
std::vector<uint64_t> Recorder::ReadStats() {
  std::vector<uint64_t> sums(TT_STAT_MAX, 0);
  int ncpu = libbpf_num_possible_cpus();
  if (!skel_ || ncpu <= 0) return sums;
  std::vector<uint64_t> values(ncpu);
  for (uint32_t i = 0; i < TT_STAT_MAX; i++) {
    if (bpf_map__lookup_elem(skel_->maps.stats, &i, sizeof(i), values.data(),
                             values.size() * sizeof(uint64_t), 0) == 0) {
      for (uint64_t v : values) sums[i] += v;
    }
  }
  return sums;
}

// The kernel-side counters (formats/tinytap_events.h, enum tt_stat), summed over CPUs; after
// stop, their final values.
Napi::Value Recorder::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<uint64_t> sums;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    if (stats_final_) sums = final_stats_;
    else if (state_ == State::Running || state_ == State::Stopping) sums = ReadStats();
    else sums.assign(TT_STAT_MAX, 0);
  }
  Napi::Array out = Napi::Array::New(env, sums.size());
  for (uint32_t i = 0; i < sums.size(); i++) out.Set(i, Napi::Number::New(env, static_cast<double>(sums[i])));
  return out;
}

// realtime - monotonic, as applied to every record's ts_ns.
Napi::Value Recorder::ClockOffset(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(clock_offset_ns_));
}

Napi::Value Recorder::Features(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("sendfileBodies", sendfile_bodies_active_);
  o.Set("sendfileBodiesNote", sendfile_bodies_note_);
  return o;
}

// attachUprobes(path, [{ program, offset }], cookie): uprobes of the named programs
// (bpf/tls_probes.h) at file offsets of `path` (every process that maps the file, now or later,
// runs them), each with `cookie` (the library's number, which its records carry). The
// caller finds the offsets (src/record/tls-targets.ts): libbpf's own symbol lookup gives wrong
// offsets for non-PIE executables such as Node's. A program in a "uretprobe" section is attached
// as a return probe. All or nothing: an entry watched without its return would leave calls in
// progress. Returns how many were attached; throws (code ETLS) with the reason.
Napi::Value Recorder::AttachUprobes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::Running || !skel_ || info.Length() < 2 || !info[0].IsString() || !info[1].IsArray())
    ThrowCoded(env, "EINVAL", "attachUprobes(path, probes) needs a running recorder");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array list = info[1].As<Napi::Array>();
  uint64_t cookie = info.Length() >= 3 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 0;
  struct Probe {
    struct bpf_program* prog;
    uint64_t offset;
    bool ret;
  };
  std::vector<Probe> probes;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsObject()) ThrowCoded(env, "EINVAL", "attachUprobes: probe " + std::to_string(i) + " is not an object");
    Napi::Object p = v.As<Napi::Object>();
    if (!p.Get("program").IsString() || !p.Get("offset").IsNumber())
      ThrowCoded(env, "EINVAL", "attachUprobes: probe " + std::to_string(i) + " needs a program and an offset");
    std::string name = p.Get("program").As<Napi::String>().Utf8Value();
    double offset = p.Get("offset").As<Napi::Number>().DoubleValue();
    struct bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, name.c_str());
    const char* sec = prog ? bpf_program__section_name(prog) : "";
    bool uprobe = strncmp(sec, "uprobe", 6) == 0, uretprobe = strncmp(sec, "uretprobe", 9) == 0;
    // only the uprobe programs: anything else is not meant to run in a user process
    if (!prog || !(uprobe || uretprobe)) ThrowCoded(env, "EINVAL", "attachUprobes: no uprobe program " + name);
    if (!(offset >= 0 && offset < 9007199254740992.0) || offset != static_cast<double>(static_cast<uint64_t>(offset)))
      ThrowCoded(env, "EINVAL", "attachUprobes: bad offset for " + name);
    probes.push_back(Probe{prog, static_cast<uint64_t>(offset), uretprobe});
  }
  std::lock_guard<std::mutex> lock(tls_links_mutex_);
  if (tls_detached_) ThrowCoded(env, "EINVAL", "attachUprobes: the recording is stopping");
  std::vector<struct bpf_link*> links;
  for (const Probe& p : probes) {
    LIBBPF_OPTS(bpf_uprobe_opts, uopts, .bpf_cookie = cookie, .retprobe = p.ret);
    struct bpf_link* l = bpf_program__attach_uprobe_opts(p.prog, -1, path.c_str(), p.offset, &uopts);
    if (!l) {
      int err = errno;
      for (struct bpf_link* done : links) bpf_link__destroy(done);
      ThrowCoded(env, "ETLS", "cannot attach at offset " + std::to_string(p.offset) + ": " + strerror(err));
    }
    links.push_back(l);
  }
  tls_links_.insert(tls_links_.end(), links.begin(), links.end());
  return Napi::Number::New(env, static_cast<double>(links.size()));
}

// Closing a syscall tracepoint link waits for an RCU grace period (about 70 ms here); one after
// the other, 30 links made every stop take two seconds. Closed together, the waits overlap.
void Recorder::DetachAll() {
  if (!skel_) return;
  struct bpf_object_skeleton* s = skel_->skeleton;
  std::vector<std::thread> closers;
  {
    std::lock_guard<std::mutex> lock(tls_links_mutex_);
    for (struct bpf_link* l : tls_links_) closers.emplace_back([l] { bpf_link__destroy(l); });
    tls_links_.clear();
    tls_detached_ = true;
  }
  for (int i = 0; i < s->prog_cnt; i++) {
    struct bpf_link** link = s->progs[i].link;
    if (!link || !*link) continue;
    struct bpf_link* l = *link;
    *link = nullptr;
    closers.emplace_back([l] { bpf_link__destroy(l); });
  }
  for (std::thread& t : closers) t.join();
}

// Free what capture holds (a start that failed half way, or after the drain thread is joined).
void Recorder::FreeCapture() {
  if (ring_ && !ring_fd_lost_) ring_buffer__free(ring_);
  ring_ = nullptr;
  if (skel_) {
    tinytap_bpf__destroy(skel_);
    skel_ = nullptr;
  }
}

// Node is exiting (or a worker ends) with the recorder still running: stop the drain thread,
// which detaches everything and delivers nothing more (JS can no longer be called), and wait
// for it. The thread-safe function is not touched: its own cleanup hook has closed it already,
// and it may be gone.
void Recorder::OnCleanup(void* arg) {
  Recorder* self = static_cast<Recorder*>(arg);
  self->abandoned_ = true;
  self->stop_requested_ = true;
  if (self->thread_.joinable()) self->thread_.join();
  self->tsfn_ = Napi::ThreadSafeFunction();
  self->FreeCapture();
  if (self->state_ != State::Idle) self->state_ = State::Stopped;
}

Napi::Value BuiltWith(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t size = 0;
  const void* elf = tinytap_bpf__elf_bytes(&size);
  Napi::Object out = Napi::Object::New(env);
  out.Set("bpfObject", Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(elf), size));
  out.Set("libbpf", std::to_string(libbpf_major_version()) + "." + std::to_string(libbpf_minor_version()));
  out.Set("zstd", ZSTD_versionString());
  return out;
}

}  // namespace tinytap
