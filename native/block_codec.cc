#include "block_codec.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <string>
#include <vector>

namespace tinytap {
namespace {

// One context per thread, kept: making one costs more than compressing a small part, and the
// recorder compresses on its worker thread while a reader may decompress on the main one.
struct Contexts {
  ZSTD_CCtx* c = nullptr;
  ZSTD_DCtx* d = nullptr;
  ~Contexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
thread_local Contexts contexts;

Napi::Error CodecError(Napi::Env env, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, "EZSTD"));
  return err;
}

}  // namespace

Napi::Value ZstdCompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "zstdCompress(buffer, level)");
  Napi::Uint8Array in = info[0].As<Napi::Uint8Array>();
  int level = info[1].As<Napi::Number>().Int32Value();
  if (!contexts.c && !(contexts.c = ZSTD_createCCtx())) throw CodecError(env, "zstd: out of memory");
  ZSTD_CCtx* c = contexts.c;
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  // a damaged block is reported as damaged, not read as other records (deflate has no check)
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  // into a scratch buffer kept by the thread, then copied out at its real size: a frame is a
  // fifteenth of its part or less on recorded traffic, so the copy is small beside a bound-sized allocation per part
  thread_local std::vector<uint8_t> scratch;
  size_t bound = ZSTD_compressBound(in.ByteLength());
  if (scratch.size() < bound) scratch.resize(bound);
  size_t n = ZSTD_compress2(c, scratch.data(), bound, in.Data(), in.ByteLength());
  if (ZSTD_isError(n)) throw CodecError(env, std::string("zstd: ") + ZSTD_getErrorName(n));
  Napi::Value frame = Napi::Buffer<uint8_t>::Copy(env, scratch.data(), n);
  // kept for the next part (a part is 1 MiB, or one batch of at most a few MiB); only a part
  // larger than anything the recorder makes is let go, rather than freed and made again
  if (scratch.size() > (size_t{16} << 20)) std::vector<uint8_t>().swap(scratch);
  return frame;
}

Napi::Value ZstdDecompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "zstdDecompress(buffer, rawLen)");
  Napi::Uint8Array in = info[0].As<Napi::Uint8Array>();
  double want = info[1].As<Napi::Number>().DoubleValue();
  // the caller bounds rawLen (MAX_BLOCK_RAW_BYTES): a hostile block never sizes the allocation
  if (!(want >= 0) || want > 1e12) throw CodecError(env, "zstd: raw_len is not a length");
  size_t rawLen = static_cast<size_t>(want);
  if (!contexts.d && !(contexts.d = ZSTD_createDCtx())) throw CodecError(env, "zstd: out of memory");
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, rawLen);
  // every frame laid end to end, checked against its checksum; it stops at rawLen bytes
  size_t n = ZSTD_decompressDCtx(contexts.d, out.Data(), rawLen, in.Data(), in.ByteLength());
  if (ZSTD_isError(n)) {
    if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) throw CodecError(env, "more than raw_len bytes");
    throw CodecError(env, ZSTD_getErrorName(n));
  }
  if (n != rawLen) throw CodecError(env, std::to_string(n) + " bytes, not raw_len");
  return out;
}

}  // namespace tinytap
