// Module entry point of quorate_native: the corosync libraries, the watchdog ioctls and sd_notify.
#include <napi.h>

#include "bindings.h"
#include "errors.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorFactory", Napi::Function::New(env, quorate::SetErrorFactory, "setErrorFactory"));
  quorate::InitCpg(env, exports);
  quorate::InitQuorum(env, exports);
  quorate::InitVotequorum(env, exports);
  quorate::InitCmap(env, exports);
  quorate::InitWatchdog(env, exports);
  quorate::InitSdNotify(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(quorate_native, Init)
