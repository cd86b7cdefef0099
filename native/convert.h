// Argument checks for the raw addon. The TypeScript wrappers validate with friendlier messages;
// these checks only make sure a misuse of the raw addon throws instead of crashing.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace quorate {

inline std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

inline uint32_t Uint32Arg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0 && value <= 4294967295.0) || value != static_cast<double>(static_cast<uint32_t>(value))) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer in 0..2^32-1");
  }
  return static_cast<uint32_t>(value);
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a boolean");
  }
  return info[index].As<Napi::Boolean>().Value();
}

inline uint64_t BigUint64(Napi::Env env, Napi::Value value, const char* what) {
  if (value.IsBigInt()) {
    bool lossless = false;
    uint64_t result = value.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, std::string(what) + " must fit in 64 unsigned bits");
    return result;
  }
  if (value.IsNumber()) {
    double number = value.As<Napi::Number>().DoubleValue();
    if (number >= 0 && number <= 9007199254740991.0 && number == static_cast<double>(static_cast<uint64_t>(number))) {
      return static_cast<uint64_t>(number);
    }
  }
  throw Napi::TypeError::New(env, std::string(what) + " must be a non-negative bigint");
}

inline Napi::Function FunctionArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a function");
  }
  return info[index].As<Napi::Function>();
}

// A list of node ids as a JavaScript array of numbers.
template <typename Int>
Napi::Array NodeIdArray(Napi::Env env, const Int* ids, size_t count) {
  Napi::Array array = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) array.Set(static_cast<uint32_t>(i), static_cast<double>(ids[i]));
  return array;
}

// corosync ring ids: the representative node id and a 64-bit sequence number.
inline Napi::Object RingId(Napi::Env env, uint32_t nodeId, uint64_t seq) {
  Napi::Object ring = Napi::Object::New(env);
  ring.Set("nodeId", static_cast<double>(nodeId));
  ring.Set("seq", Napi::BigInt::New(env, seq));
  return ring;
}

}  // namespace quorate
