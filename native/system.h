// Small system calls the recorder needs that Node does not offer.
#pragma once
#include <napi.h>

namespace tinytap {
// { monotonicNs, realtimeNs } read back to back: converts BPF timestamps to wall-clock time.
Napi::Value Clocks(const Napi::CallbackInfo& info);
// mountTracefs(path): mount(2) tracefs at path; throws with the errno's code.
Napi::Value MountTracefs(const Napi::CallbackInfo& info);
}  // namespace tinytap
