#include "copies.h"

#include <cstdlib>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine.h"

namespace genrep {

namespace {

/** A 64-byte-aligned heap block. */
struct Block {
  void* data = nullptr;
  std::size_t bytes = 0;
  Block() = default;
  explicit Block(std::size_t n) : bytes((n + 4095) / 4096 * 4096) {
    data = std::aligned_alloc(64, bytes);
    if (data == nullptr) throw std::bad_alloc();
  }
  Block(Block&& o) noexcept : data(std::exchange(o.data, nullptr)), bytes(std::exchange(o.bytes, 0)) {}
  Block& operator=(Block&& o) noexcept {
    std::swap(data, o.data);
    std::swap(bytes, o.bytes);
    return *this;
  }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  ~Block() { std::free(data); }
};

struct Copy {
  dnnl::memory::desc md;
  Block block;
};

/**
 * Blocks of dropped copies, reused by later ones: a step makes copies of the same sizes as
 * the last, and fresh pages would be first-touched (faulted in) every step. Bounded in count and in bytes.
 */
constexpr std::size_t kMaxPooled = 128;
constexpr std::size_t kMaxPooledBytes = std::size_t{1} << 30;  // a resnet10-w32 step (batch 256) pools 80 MB

struct State {
  std::unordered_map<int64_t, Copy> copies;
  std::vector<Block> pool;
  uint64_t hits = 0, misses = 0;
};

thread_local State state;

Block takeBlock(std::size_t bytes) {
  auto& pool = state.pool;
  std::size_t best = pool.size();
  for (std::size_t i = 0; i < pool.size(); i++) {
    if (pool[i].bytes >= bytes && pool[i].bytes <= 2 * bytes + 4096 &&
        (best == pool.size() || pool[i].bytes < pool[best].bytes)) {
      best = i;
    }
  }
  if (best == pool.size()) return Block(bytes);
  Block b = std::move(pool[best]);
  pool[best] = std::move(pool.back());
  pool.pop_back();
  return b;
}

void giveBack(Block&& b) {
  auto& pool = state.pool;
  if (b.bytes > kMaxPooledBytes) return;  // freed here
  std::size_t pooled = b.bytes;
  for (const auto& p : pool) pooled += p.bytes;
  // The oldest go first, until both bounds hold.
  std::size_t drop = 0;
  while (drop < pool.size() && (pool.size() - drop >= kMaxPooled || pooled > kMaxPooledBytes)) {
    pooled -= pool[drop].bytes;
    drop++;
  }
  pool.erase(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(drop));
  pool.push_back(std::move(b));
}

}  // namespace

dnnl::memory keptCopy(int64_t key, const dnnl::memory::desc& primMd, dnnl::memory& user,
                      const dnnl::reorder& toPrim, dnnl::stream& s) {
  auto& eng = cpuEngine();
  auto it = state.copies.find(key);
  if (it != state.copies.end() && it->second.md == primMd) {
    state.hits++;
    return dnnl::memory(primMd, eng, it->second.block.data);
  }
  state.misses++;
  if (it != state.copies.end()) {  // the same tensor read in another format: keep the newest
    giveBack(std::move(it->second.block));
    state.copies.erase(it);
  }
  Copy c{primMd, takeBlock(primMd.get_size())};
  dnnl::memory prim(primMd, eng, c.block.data);
  toPrim.execute(s, user, prim);
  state.copies.emplace(key, std::move(c));
  return prim;
}

void dropCopies(const int64_t* keys, std::size_t count) {
  for (std::size_t i = 0; i < count; i++) {
    auto it = state.copies.find(keys[i]);
    if (it == state.copies.end()) continue;
    giveBack(std::move(it->second.block));
    state.copies.erase(it);
  }
}

void clearCopies(bool release) {
  for (auto& [key, c] : state.copies) giveBack(std::move(c.block));
  state.copies.clear();
  if (release) state.pool.clear();
}

CopyStats copyStats() {
  CopyStats st;
  st.entries = state.copies.size();
  for (const auto& [key, c] : state.copies) st.bytes += c.block.bytes;
  for (const auto& b : state.pool) st.pooledBytes += b.bytes;
  st.hits = state.hits;
  st.misses = state.misses;
  return st;
}

}  // namespace genrep
