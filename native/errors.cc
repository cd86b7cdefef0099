#include "errors.h"

namespace quorate {

namespace {

struct AddonData {
  Napi::FunctionReference errorFactory;
};

AddonData* Data(Napi::Env env) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData(data);
  }
  return data;
}

// Without a registered factory (the raw addon used directly) the error still carries every
// field; only the message is plain.
Napi::Value MakeError(Napi::Env env, Napi::Object details, const std::string& fallbackMessage) {
  AddonData* data = Data(env);
  if (!data->errorFactory.IsEmpty()) {
    return data->errorFactory.Call({details});
  }
  Napi::Object error = Napi::Error::New(env, fallbackMessage).Value();
  for (const auto& key : details.GetPropertyNames()) {
    Napi::Value name = key.second;
    error.Set(name, details.Get(name));
  }
  return error;
}

}  // namespace

void SetErrorFactory(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "setErrorFactory(factory): factory must be a function");
  }
  Data(info.Env())->errorFactory = Napi::Persistent(info[0].As<Napi::Function>());
}

Napi::Value CsError(Napi::Env env, const char* call, cs_error_t code) {
  Napi::Object details = Napi::Object::New(env);
  details.Set("kind", "corosync");
  details.Set("call", call);
  details.Set("code", static_cast<int>(code));
  return MakeError(env, details, std::string(call) + " failed with cs_error_t " + std::to_string(code));
}

Napi::Value ErrnoError(Napi::Env env, const char* call, int err, const std::string& path) {
  Napi::Object details = Napi::Object::New(env);
  details.Set("kind", "errno");
  details.Set("call", call);
  details.Set("code", err);
  details.Set("path", path);
  return MakeError(env, details, std::string(call) + " " + path + " failed with errno " + std::to_string(err));
}

Napi::Value ClosedError(Napi::Env env, const char* call) {
  Napi::Object details = Napi::Object::New(env);
  details.Set("kind", "closed");
  details.Set("call", call);
  details.Set("code", 0);
  return MakeError(env, details, std::string(call) + " called on a closed handle");
}

void ThrowCs(Napi::Env env, const char* call, cs_error_t code) {
  throw Napi::Error(env, CsError(env, call, code));
}

void ThrowErrno(Napi::Env env, const char* call, int err, const std::string& path) {
  throw Napi::Error(env, ErrnoError(env, call, err, path));
}

void ThrowClosed(Napi::Env env, const char* call) {
  throw Napi::Error(env, ClosedError(env, call));
}

}  // namespace quorate
