// tinytap's native addon: the BPF loader and ring-buffer drain (recorder.cc), the event layout
// as compiled (layout.cc), the block codec (block_codec.cc) and two system calls (system.cc).
#include <napi.h>

#include "block_codec.h"
#include "layout.h"
#include "libbpf_log.h"
#include "recorder.h"
#include "system.h"

namespace {

Napi::Value Layout(const Napi::CallbackInfo& info) { return tinytap::EventLayout(info.Env()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tinytap::InstallLibbpfLog();
  exports.Set("Recorder", tinytap::Recorder::Define(env));
  exports.Set("layout", Napi::Function::New(env, Layout));
  exports.Set("clocks", Napi::Function::New(env, tinytap::Clocks));
  exports.Set("zstdCompress", Napi::Function::New(env, tinytap::ZstdCompress));
  exports.Set("zstdDecompress", Napi::Function::New(env, tinytap::ZstdDecompress));
  exports.Set("zstdTrainDictionary", Napi::Function::New(env, tinytap::ZstdTrainDictionary));
  exports.Set("ZstdDictionary", tinytap::ZstdDictionary::Define(env));
  exports.Set("mountTracefs", Napi::Function::New(env, tinytap::MountTracefs));
  exports.Set("builtWith", Napi::Function::New(env, tinytap::BuiltWith));
  return exports;
}

}  // namespace

NODE_API_MODULE(tinytap, Init)
