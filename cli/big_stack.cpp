// pthread with a 256 MiB stack (reserved address space; only touched pages use memory).
#include "big_stack.h"

#include <pthread.h>

namespace rebate {
namespace {

struct Call {
  const std::function<int()>* body;
  int result = 0;
};

void* trampoline(void* arg) {
  auto* call = static_cast<Call*>(arg);
  call->result = (*call->body)();
  return nullptr;
}

}  // namespace

int run_with_big_stack(const std::function<int()>& body) {
  constexpr size_t kStackBytes = 256u << 20;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kStackBytes);
  Call call{&body};
  pthread_t thread;
  if (pthread_create(&thread, &attr, trampoline, &call) != 0) {
    pthread_attr_destroy(&attr);
    return body();  // no thread to be had: run here
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return call.result;
}

}  // namespace rebate
