#include "ledger/libpq.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <mutex>

namespace rebate::ledger {

const Libpq* load_libpq(const char* soname, std::string& error) {
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    error = fmt::format("reading from PostgreSQL needs libpq, which cannot be loaded ({}); install it (Debian: libpq5)",
                        why ? why : soname);
    return nullptr;
  }
  auto* pq = new Libpq;  // (kept for the process, as the library is)
#define REBATE_LIBPQ_FIND(name)                                                                                  \
  pq->name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));                                        \
  if (!pq->name) {                                                                                               \
    error = fmt::format("reading from PostgreSQL needs libpq, and `{}` has no function {}: a libpq too old", soname, #name); \
    delete pq;                                                                                                   \
    dlclose(handle);                                                                                             \
    return nullptr;                                                                                              \
  }
  REBATE_LIBPQ_FUNCTIONS(REBATE_LIBPQ_FIND)
#undef REBATE_LIBPQ_FIND
  return pq;
}

const Libpq* libpq(std::string& error) {
  static std::once_flag once;
  static const Libpq* loaded = nullptr;
  static std::string failure;
  std::call_once(once, [] { loaded = load_libpq("libpq.so.5", failure); });
  if (!loaded) error = failure;
  return loaded;
}

}  // namespace rebate::ledger
