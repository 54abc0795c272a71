#include "batch.h"

#include <mutex>

namespace tinytap {
namespace {

// Enough for the batches in flight when JS keeps pace (one filling, one or two delivered); a
// backlog beyond it is freed as it drains.
constexpr size_t kPoolBatches = 4;
// A batch holds what one poll of the ring took, which with a large --buffer-size can be far more
// than the flush size: such a batch is freed, not kept for ever.
constexpr size_t kPoolMaxBytes = 4u << 20;

struct Pool {
  std::mutex mutex;
  std::vector<Batch> spent;
};

// Never destroyed: a Buffer's finalizer may give a batch back while the process exits.
Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

Batch TakeBatch(size_t bytes) {
  Batch b;
  {
    Pool& p = ThePool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (!p.spent.empty()) {
      b = std::move(p.spent.back());
      p.spent.pop_back();
    }
  }
  b.clear();
  b.reserve(bytes);
  return b;
}

void GiveBackBatch(Batch&& batch) {
  Pool& p = ThePool();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.spent.size() < kPoolBatches && batch.capacity() <= kPoolMaxBytes) p.spent.push_back(std::move(batch));
}

}  // namespace tinytap
