// Tests and fuzzing: the parts of a streaming read (ledger::StreamParts), made as the read asks for
// them, each a sink of type `Sink` on a pool of its own (an overlay on `base`, when given); after the
// read, in the ledger's order (where each part's rows start), so that their rows one after another are
// the ledger's.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ledger/ledger.h"

namespace rebate::ledger {

template <class Sink>
class TestParts : public StreamParts {
 public:
  using Make = std::function<std::unique_ptr<Sink>(StringPool& pool)>;
  TestParts(size_t threads, const StringPool* base, Make make) : threads_(threads), base_(base), make_(std::move(make)) {}
  size_t threads() const override { return threads_; }
  StreamPart part(uint64_t at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Made& m = made_[at];
    m.pool = base_ ? std::make_unique<StringPool>(base_) : std::make_unique<StringPool>();
    m.sink = make_(*m.pool);
    return StreamPart{m.sink.get(), m.pool.get()};
  }
  // The parts' sinks in the ledger's order.
  std::vector<Sink*> in_order() const {
    std::vector<Sink*> out;
    for (const auto& [at, m] : made_) out.push_back(m.sink.get());
    return out;
  }
  // Their pools, likewise (the merge takes them over).
  std::vector<StringPool*> pools_in_order() const {
    std::vector<StringPool*> out;
    for (const auto& [at, m] : made_) out.push_back(m.pool.get());
    return out;
  }
  size_t size() const { return made_.size(); }

 private:
  struct Made {
    std::unique_ptr<StringPool> pool;
    std::unique_ptr<Sink> sink;
  };
  size_t threads_;
  const StringPool* base_;
  Make make_;
  std::mutex mutex_;
  std::map<uint64_t, Made> made_;
};

}  // namespace rebate::ledger
