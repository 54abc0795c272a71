// A batch of records on its way from the drain thread to JS, and the spent batches kept for
// the next ones. The drain thread fills a batch, JS receives its memory as a Buffer (no copy),
// and when V8 collects that Buffer the memory comes back here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tinytap {

using Batch = std::vector<uint8_t>;

// A batch whose capacity is at least `bytes`: a spent one if there is one, so that its pages
// are already mapped (a fresh MiB is 256 page faults, which on a virtual machine cost more than
// filling it). Thread-safe: the drain thread takes, the JS thread gives back.
Batch TakeBatch(size_t bytes);
// Keep a spent batch for TakeBatch, up to a few (the pool's memory is then bounded).
void GiveBackBatch(Batch&& batch);

}  // namespace tinytap
