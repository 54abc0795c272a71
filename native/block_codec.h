// The session file's block codec (SPEC.md §3.2, codec 2): zstd through libzstd, the reference
// implementation, rather than a JavaScript or WebAssembly port: it is the recorder's hot path
// (bench/NOTES.md, "Recording overhead"), and the addon is loaded wherever a session is recorded.
#pragma once
#include <napi.h>

struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace tinytap {
// zstdCompress(buffer, level): one zstd frame of the buffer, with its content size and checksum.
Napi::Value ZstdCompress(const Napi::CallbackInfo& info);
// zstdDecompress(buffer, rawLen): the frames laid end to end, decompressed into exactly rawLen
// bytes; throws (code EZSTD) if they are damaged, hold more than rawLen or fewer.
Napi::Value ZstdDecompress(const Napi::CallbackInfo& info);

// zstdTrainDictionary(samples, sizes, capacity): a dictionary of at most `capacity` bytes trained
// on the samples laid end to end (sizes[i] bytes each); throws (code EZSTD) when they are too few.
Napi::Value ZstdTrainDictionary(const Napi::CallbackInfo& info);

// new ZstdDictionary(dictionary, level): small frames made and read with one dictionary, digested once.
// compress(buffer): one frame, with its content size and the dictionary's id.
// decompress(buffer, maxLen): the frame's content; throws (code EZSTD) if it is damaged, made
// with another dictionary, or says it holds more than maxLen bytes.
class ZstdDictionary : public Napi::ObjectWrap<ZstdDictionary> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ZstdDictionary(const Napi::CallbackInfo& info);
  ~ZstdDictionary() override;

 private:
  Napi::Value Compress(const Napi::CallbackInfo& info);
  Napi::Value Decompress(const Napi::CallbackInfo& info);
  ::ZSTD_CDict_s* cdict_ = nullptr;
  ::ZSTD_DDict_s* ddict_ = nullptr;
};
}  // namespace tinytap
