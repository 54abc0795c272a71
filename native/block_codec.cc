#include "block_codec.h"

#include <zdict.h>
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

/** The thread's compression context, its parameters reset. */
ZSTD_CCtx* FreshCompressor(Napi::Env env) {
  if (!contexts.c && !(contexts.c = ZSTD_createCCtx())) throw CodecError(env, "zstd: out of memory");
  ZSTD_CCtx_reset(contexts.c, ZSTD_reset_session_and_parameters);
  return contexts.c;
}

/** One frame of `in` made with `c`. */
Napi::Value Frame(Napi::Env env, ZSTD_CCtx* c, Napi::Uint8Array in) {
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

}  // namespace

Napi::Value ZstdCompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "zstdCompress(buffer, level)");
  Napi::Uint8Array in = info[0].As<Napi::Uint8Array>();
  int level = info[1].As<Napi::Number>().Int32Value();
  ZSTD_CCtx* c = FreshCompressor(env);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  // a damaged block is reported as damaged, not read as other records (deflate has no check)
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  return Frame(env, c, in);
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

// Every exchange's searchable text is a frame of its own (a few hundred bytes), read back one
// row at a time: alone such frames shrink by a quarter, with a dictionary trained on the
// file's own text by four fifths (bench/NOTES.md, "Big recordings").
Napi::Value ZstdTrainDictionary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsArray() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "zstdTrainDictionary(samples, sizes, capacity)");
  Napi::Uint8Array samples = info[0].As<Napi::Uint8Array>();
  Napi::Array sizesIn = info[1].As<Napi::Array>();
  std::vector<size_t> sizes(sizesIn.Length());
  size_t total = 0;
  for (uint32_t i = 0; i < sizesIn.Length(); i++) {
    double n = sizesIn.Get(i).As<Napi::Number>().DoubleValue();
    if (!(n >= 0)) throw Napi::TypeError::New(env, "zstdTrainDictionary: a size is not a length");
    sizes[i] = static_cast<size_t>(n);
    total += sizes[i];
  }
  if (total > samples.ByteLength()) throw Napi::RangeError::New(env, "zstdTrainDictionary: the sizes add up to more than the samples");
  double capacity = info[2].As<Napi::Number>().DoubleValue();
  if (!(capacity >= 256) || capacity > (1 << 20)) throw Napi::RangeError::New(env, "zstdTrainDictionary: capacity");
  std::vector<uint8_t> dict(static_cast<size_t>(capacity));
  size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), samples.Data(), sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) throw CodecError(env, std::string("zstd dictionary: ") + ZDICT_getErrorName(n));
  return Napi::Buffer<uint8_t>::Copy(env, dict.data(), n);
}

Napi::Function ZstdDictionary::Define(Napi::Env env) {
  return DefineClass(env, "ZstdDictionary",
                     {InstanceMethod("compress", &ZstdDictionary::Compress), InstanceMethod("decompress", &ZstdDictionary::Decompress)});
}

ZstdDictionary::ZstdDictionary(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ZstdDictionary>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "new ZstdDictionary(dictionary, level)");
  Napi::Uint8Array dict = info[0].As<Napi::Uint8Array>();
  int level = info[1].As<Napi::Number>().Int32Value();
  // digested once: loading a dictionary for each small frame would cost more than the frame
  cdict_ = ZSTD_createCDict(dict.Data(), dict.ByteLength(), level);
  ddict_ = ZSTD_createDDict(dict.Data(), dict.ByteLength());
  if (!cdict_ || !ddict_) throw CodecError(env, "zstd: the dictionary cannot be loaded");
}

ZstdDictionary::~ZstdDictionary() {
  ZSTD_freeCDict(cdict_);
  ZSTD_freeDDict(ddict_);
}

Napi::Value ZstdDictionary::Compress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "compress(buffer)");
  Napi::Uint8Array in = info[0].As<Napi::Uint8Array>();
  ZSTD_CCtx* c = FreshCompressor(env);
  ZSTD_CCtx_refCDict(c, cdict_);
  // the frame says its size (a reader bounds it before it allocates) and its dictionary (read
  // with another, it is an error, not other text); a checksum would be 4 bytes a row for text
  // that a rebuild makes again
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 1);
  return Frame(env, c, in);
}

Napi::Value ZstdDictionary::Decompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "decompress(buffer, maxLen)");
  Napi::Uint8Array in = info[0].As<Napi::Uint8Array>();
  double max = info[1].As<Napi::Number>().DoubleValue();
  if (!(max >= 0) || max > 1e12) throw CodecError(env, "zstd: maxLen is not a length");
  // the size the frame says, never more than the caller allows: a hostile file's frame never sizes the allocation
  unsigned long long size = ZSTD_getFrameContentSize(in.Data(), in.ByteLength());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) throw CodecError(env, "not a zstd frame of known size");
  if (size > static_cast<unsigned long long>(max)) throw CodecError(env, "larger than allowed");
  if (!contexts.d && !(contexts.d = ZSTD_createDCtx())) throw CodecError(env, "zstd: out of memory");
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, static_cast<size_t>(size));
  size_t n = ZSTD_decompress_usingDDict(contexts.d, out.Data(), static_cast<size_t>(size), in.Data(), in.ByteLength(), ddict_);
  if (ZSTD_isError(n)) throw CodecError(env, ZSTD_getErrorName(n));
  if (n != size) throw CodecError(env, "shorter than the frame says");
  return out;
}

}  // namespace tinytap
