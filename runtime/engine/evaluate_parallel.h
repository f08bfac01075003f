// Evaluation spread over threads: the cells (a partner in a period) with the partners split into
// contiguous ranges, one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace rebate::engine {

// How many threads evaluate `partners` partners (1: the calling thread alone): `requested` (RunOptions::
// threads) when set, else one per CPU the process may use; never more than the partners.
size_t evaluation_threads(size_t partners, unsigned requested);

// Calls cell(thread, period, partner) for every period in [0, periods) and partner in [0, partners), the
// partners split into `threads` contiguous ranges, each a task on the run's threads (`thread`: the
// range, whose evaluator no other task uses); within a range, a partner's cells come in period order. The cells must be independent of one another. When
// cells throw, the exception of the first of them in the sequential order (period, then partner) is
// rethrown, as a sequential loop would have thrown it; cells after it in that order may not be called.
void for_each_cell(size_t periods, size_t partners, size_t threads,
                   const std::function<void(size_t thread, size_t period, uint32_t partner)>& cell);

}  // namespace rebate::engine
