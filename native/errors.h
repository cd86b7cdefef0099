// Turns failures of the corosync libraries and of system calls into JavaScript errors.
//
// The addon only reports numbers (cs_error_t, errno) and the call that failed; the TypeScript
// side registers a factory (setErrorFactory) that builds its typed error classes with readable
// messages, so all wording and naming lives in one place (src/native/errors.ts).
#pragma once

#include <napi.h>
#include <corosync/corotypes.h>

#include <string>

namespace quorate {

// Registered once per environment by the loader.
void SetErrorFactory(const Napi::CallbackInfo& info);

Napi::Value CsError(Napi::Env env, const char* call, cs_error_t code);
Napi::Value ErrnoError(Napi::Env env, const char* call, int err, const std::string& path);
Napi::Value ClosedError(Napi::Env env, const char* call);

[[noreturn]] void ThrowCs(Napi::Env env, const char* call, cs_error_t code);
[[noreturn]] void ThrowErrno(Napi::Env env, const char* call, int err, const std::string& path);
[[noreturn]] void ThrowClosed(Napi::Env env, const char* call);

inline void CheckCs(Napi::Env env, const char* call, cs_error_t code) {
  if (code != CS_OK) ThrowCs(env, call, code);
}

}  // namespace quorate
