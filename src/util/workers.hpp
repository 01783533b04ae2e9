// Workers: threads kept between scrapes for the scrape's parallel jobs (API requests, parses).
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

namespace pvex::util {

/// Runs `job(i)` for every i < n on up to `parallel` threads at once, the caller's included,
/// and returns when all are done. The other threads come from a process-wide set of workers
/// that outlive the call: a scrape of a big cluster starts ~100 such jobs in waves, and a
/// thread created and ended for each cost more CPU (creation, exit, scheduler wake-ups) than
/// many of the jobs themselves. A worker is added whenever none is idle, so a job may itself
/// call run_parallel without waiting for a worker its caller holds; idle workers beyond
/// `k_max_idle` end. A job that throws stops the handing out of further indices; the first
/// exception is rethrown here once no job runs any more.
void run_parallel(size_t n, size_t parallel, const std::function<void(size_t)>& job);

/// The workers waiting for a job, and all workers (for tests).
std::pair<size_t, size_t> worker_counts();

}  // namespace pvex::util
