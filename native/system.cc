#include "system.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

namespace tinytap {
namespace {

Napi::BigInt Ns(Napi::Env env, const struct timespec& ts) {
  return Napi::BigInt::New(env, static_cast<uint64_t>(static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec));
}

}  // namespace

Napi::Value Clocks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct timespec mono1, real, mono2;
  // bracket the realtime read and take the midpoint, so the offset is good to a microsecond
  clock_gettime(CLOCK_MONOTONIC, &mono1);
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono2);
  uint64_t m1 = static_cast<uint64_t>(mono1.tv_sec) * 1000000000ull + mono1.tv_nsec;
  uint64_t m2 = static_cast<uint64_t>(mono2.tv_sec) * 1000000000ull + mono2.tv_nsec;
  Napi::Object o = Napi::Object::New(env);
  o.Set("monotonicNs", Napi::BigInt::New(env, static_cast<uint64_t>(m1 + (m2 - m1) / 2)));
  o.Set("realtimeNs", Ns(env, real));
  return o;
}

Napi::Value MountTracefs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  if (mount("tracefs", path.c_str(), "tracefs", 0, nullptr) != 0) {
    int e = errno;
    Napi::Error err = Napi::Error::New(env, std::string("mount tracefs: ") + strerror(e));
    err.Set("code", Napi::String::New(env, e == EPERM ? "EPERM" : "EMOUNT"));
    throw err;
  }
  return env.Undefined();
}

}  // namespace tinytap
