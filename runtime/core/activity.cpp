#include "core/activity.h"

#include <mutex>

namespace rebate {

namespace {
std::mutex mutex;
std::string current;
}  // namespace

void set_activity(std::string what) {
  std::lock_guard<std::mutex> lock(mutex);
  current = std::move(what);
}

std::string activity() {
  std::lock_guard<std::mutex> lock(mutex);
  return current;
}

}  // namespace rebate
