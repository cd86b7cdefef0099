// One Init per library; each adds its handle class to the module's exports.
#pragma once

#include <napi.h>

namespace quorate {

void InitCpg(Napi::Env env, Napi::Object exports);
void InitQuorum(Napi::Env env, Napi::Object exports);
void InitVotequorum(Napi::Env env, Napi::Object exports);
void InitCmap(Napi::Env env, Napi::Object exports);
void InitWatchdog(Napi::Env env, Napi::Object exports);
void InitSdNotify(Napi::Env env, Napi::Object exports);

}  // namespace quorate
