// The session file's block codec (SPEC.md §3.2, codec 2): zstd through libzstd, the reference
// implementation, rather than a JavaScript or WebAssembly port: it is the recorder's hot path
// (bench/NOTES.md, "Recording overhead"), and the addon is loaded wherever a session is recorded.
#pragma once
#include <napi.h>

namespace tinytap {
// zstdCompress(buffer, level): one zstd frame of the buffer, with its content size and checksum.
Napi::Value ZstdCompress(const Napi::CallbackInfo& info);
// zstdDecompress(buffer, rawLen): the frames laid end to end, decompressed into exactly rawLen
// bytes; throws (code EZSTD) if they are damaged, hold more than rawLen or fewer.
Napi::Value ZstdDecompress(const Napi::CallbackInfo& info);
}  // namespace tinytap
