// libcmap: corosync's configuration and runtime key/value map: get, set, delete, iterate a
// prefix, and track changes of a key or prefix.
#include <corosync/cmap.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "bindings.h"
#include "library_handle.h"

namespace quorate {

namespace {

// A value copied out of cmap, converted to JavaScript later.
struct OwnedValue {
  cmap_value_types_t type;
  std::vector<uint8_t> bytes;
};

template <typename Int>
Int Read(const std::vector<uint8_t>& bytes) {
  Int value {};
  std::memcpy(&value, bytes.data(), std::min(sizeof value, bytes.size()));
  return value;
}

// Integers up to 32 bits and floats become numbers, 64-bit integers bigints, strings strings
// (without the trailing NUL) and binary values Buffers.
Napi::Value ToJs(Napi::Env env, const OwnedValue& v) {
  switch (v.type) {
    case CMAP_VALUETYPE_INT8: return Napi::Number::New(env, Read<int8_t>(v.bytes));
    case CMAP_VALUETYPE_UINT8: return Napi::Number::New(env, Read<uint8_t>(v.bytes));
    case CMAP_VALUETYPE_INT16: return Napi::Number::New(env, Read<int16_t>(v.bytes));
    case CMAP_VALUETYPE_UINT16: return Napi::Number::New(env, Read<uint16_t>(v.bytes));
    case CMAP_VALUETYPE_INT32: return Napi::Number::New(env, Read<int32_t>(v.bytes));
    case CMAP_VALUETYPE_UINT32: return Napi::Number::New(env, Read<uint32_t>(v.bytes));
    case CMAP_VALUETYPE_INT64: return Napi::BigInt::New(env, Read<int64_t>(v.bytes));
    case CMAP_VALUETYPE_UINT64: return Napi::BigInt::New(env, Read<uint64_t>(v.bytes));
    case CMAP_VALUETYPE_FLOAT: return Napi::Number::New(env, Read<float>(v.bytes));
    case CMAP_VALUETYPE_DOUBLE: return Napi::Number::New(env, Read<double>(v.bytes));
    case CMAP_VALUETYPE_STRING:
      return Napi::String::New(env, reinterpret_cast<const char*>(v.bytes.data()),
                               strnlen(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size()));
    case CMAP_VALUETYPE_BINARY:
    default: return Napi::Buffer<uint8_t>::Copy(env, v.bytes.data(), v.bytes.size());
  }
}

Napi::Object Entry(Napi::Env env, const std::string& key, const OwnedValue& v) {
  Napi::Object entry = Napi::Object::New(env);
  entry.Set("key", key);
  entry.Set("type", static_cast<double>(v.type));
  entry.Set("value", ToJs(env, v));
  return entry;
}

template <typename Int>
std::vector<uint8_t> Bytes(Int value) {
  std::vector<uint8_t> bytes(sizeof value);
  std::memcpy(bytes.data(), &value, sizeof value);
  return bytes;
}

int64_t SignedArg(Napi::Env env, Napi::Value value, int64_t min, int64_t max) {
  int64_t result = 0;
  if (value.IsBigInt()) {
    bool lossless = false;
    result = value.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, "value is out of range for its cmap type");
  } else if (value.IsNumber()) {
    double number = value.As<Napi::Number>().DoubleValue();
    if (number != static_cast<double>(static_cast<int64_t>(number))) {
      throw Napi::RangeError::New(env, "value must be an integer");
    }
    result = static_cast<int64_t>(number);
  } else {
    throw Napi::TypeError::New(env, "value must be a number or bigint");
  }
  if (result < min || result > max) throw Napi::RangeError::New(env, "value is out of range for its cmap type");
  return result;
}

uint64_t UnsignedArg(Napi::Env env, Napi::Value value, uint64_t max) {
  uint64_t result = BigUint64(env, value, "value");
  if (result > max) throw Napi::RangeError::New(env, "value is out of range for its cmap type");
  return result;
}

double NumberArg(Napi::Env env, Napi::Value value) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, "value must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

// The bytes cmap_set stores for a JavaScript value of the given type.
std::vector<uint8_t> FromJs(Napi::Env env, cmap_value_types_t type, Napi::Value value) {
  switch (type) {
    case CMAP_VALUETYPE_INT8: return Bytes(static_cast<int8_t>(SignedArg(env, value, INT8_MIN, INT8_MAX)));
    case CMAP_VALUETYPE_UINT8: return Bytes(static_cast<uint8_t>(UnsignedArg(env, value, UINT8_MAX)));
    case CMAP_VALUETYPE_INT16: return Bytes(static_cast<int16_t>(SignedArg(env, value, INT16_MIN, INT16_MAX)));
    case CMAP_VALUETYPE_UINT16: return Bytes(static_cast<uint16_t>(UnsignedArg(env, value, UINT16_MAX)));
    case CMAP_VALUETYPE_INT32: return Bytes(static_cast<int32_t>(SignedArg(env, value, INT32_MIN, INT32_MAX)));
    case CMAP_VALUETYPE_UINT32: return Bytes(static_cast<uint32_t>(UnsignedArg(env, value, UINT32_MAX)));
    case CMAP_VALUETYPE_INT64: return Bytes(SignedArg(env, value, INT64_MIN, INT64_MAX));
    case CMAP_VALUETYPE_UINT64: return Bytes(UnsignedArg(env, value, UINT64_MAX));
    case CMAP_VALUETYPE_FLOAT: return Bytes(static_cast<float>(NumberArg(env, value)));
    case CMAP_VALUETYPE_DOUBLE: return Bytes(NumberArg(env, value));
    case CMAP_VALUETYPE_STRING: {
      if (!value.IsString()) throw Napi::TypeError::New(env, "value must be a string");
      std::string text = value.As<Napi::String>().Utf8Value();
      return std::vector<uint8_t>(text.c_str(), text.c_str() + text.size() + 1);
    }
    case CMAP_VALUETYPE_BINARY: {
      if (!value.IsTypedArray()) throw Napi::TypeError::New(env, "value must be a Uint8Array");
      Napi::Uint8Array data = value.As<Napi::Uint8Array>();
      return std::vector<uint8_t>(data.Data(), data.Data() + data.ByteLength());
    }
  }
  throw Napi::RangeError::New(env, "unknown cmap value type " + std::to_string(type));
}

std::string KeyArg(const Napi::CallbackInfo& info, size_t index, const char* what, size_t minLength) {
  std::string key = StringArg(info, index, what);
  if (key.size() < minLength || key.size() > CMAP_KEYNAME_MAXLEN) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be " + std::to_string(minLength) + ".." +
                                                std::to_string(CMAP_KEYNAME_MAXLEN) + " bytes");
  }
  return key;
}

class CmapHandle : public LibraryHandle<CmapHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CmapHandle",
                       WithCommonMethods({
                           InstanceMethod<&CmapHandle::Get>("get"),
                           InstanceMethod<&CmapHandle::Set>("set"),
                           InstanceMethod<&CmapHandle::Delete>("delete"),
                           InstanceMethod<&CmapHandle::Iterate>("iterate"),
                           InstanceMethod<&CmapHandle::TrackAdd>("trackAdd"),
                           InstanceMethod<&CmapHandle::TrackDelete>("trackDelete"),
                       }));
  }

  // new CmapHandle(onEvent, map): map 0 is the configuration/runtime map, 1 the statistics.
  explicit CmapHandle(const Napi::CallbackInfo& info) : LibraryHandle<CmapHandle>(info) {
    Napi::Env env = info.Env();
    Napi::Function onEvent = FunctionArg(info, 0, "onEvent");
    uint32_t map = Uint32Arg(info, 1, "map");
    if (map != CMAP_MAP_ICMAP && map != CMAP_MAP_STATS) throw Napi::RangeError::New(env, "map must be 0 or 1");
    CheckCs(env, "cmap_initialize_map", cmap_initialize_map(&handle_, static_cast<cmap_map_t>(map)));
    int fd = -1;
    cs_error_t rc = cmap_fd_get(handle_, &fd);
    StartEvents(env, onEvent, "cmap_fd_get", rc, fd, "cmap_dispatch",
                [this] { return cmap_dispatch(handle_, CS_DISPATCH_ALL); });
  }

  ~CmapHandle() override { Release(); }

  void FinalizeLibrary() {
    tracks_.clear();
    cmap_finalize(handle_);
  }

 private:
  struct Track {
    CmapHandle* owner;
    uint32_t id;
    cmap_track_handle_t handle;
  };

  static OwnedValue Copy(const struct cmap_notify_value& v) {
    const auto* data = static_cast<const uint8_t*>(v.data);
    return OwnedValue {v.type, data == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(data, data + v.len)};
  }

  static void OnNotify(cmap_handle_t /*handle*/, cmap_track_handle_t /*trackHandle*/, int32_t event, const char* key,
                       struct cmap_notify_value newValue, struct cmap_notify_value oldValue, void* userData) {
    auto* track = static_cast<Track*>(userData);
    if (track == nullptr) return;
    uint32_t id = track->id;
    std::string name(key);
    bool hasNew = newValue.data != nullptr && (event & (CMAP_TRACK_ADD | CMAP_TRACK_MODIFY));
    bool hasOld = oldValue.data != nullptr && (event & (CMAP_TRACK_DELETE | CMAP_TRACK_MODIFY));
    OwnedValue now = Copy(newValue);
    OwnedValue before = Copy(oldValue);
    track->owner->pump_.Push([id, event, name, hasNew, hasOld, now, before](Napi::Env env) -> Napi::Value {
      Napi::Object result = Napi::Object::New(env);
      result.Set("type", "track");
      result.Set("trackId", static_cast<double>(id));
      result.Set("event", static_cast<double>(event));
      result.Set("key", name);
      result.Set("newValue", hasNew ? static_cast<Napi::Value>(Entry(env, name, now)) : env.Null());
      result.Set("oldValue", hasOld ? static_cast<Napi::Value>(Entry(env, name, before)) : env.Null());
      return result;
    });
  }

  // Reads one key; a value that changes size between the two calls is read again.
  cs_error_t TryRead(const std::string& key, OwnedValue* out, const char** call) {
    *call = "cmap_get";
    for (int attempt = 0;; attempt++) {
      size_t length = 0;
      cmap_value_types_t type {};
      cs_error_t rc = cmap_get(handle_, key.c_str(), nullptr, &length, &type);
      if (rc != CS_OK) return rc;
      out->bytes.assign(length, 0);
      rc = cmap_get(handle_, key.c_str(), out->bytes.data(), &length, &type);
      if (rc == CS_ERR_INVALID_PARAM && attempt < 3) continue;
      out->type = type;
      out->bytes.resize(length);
      return rc;
    }
  }

  OwnedValue Read(Napi::Env env, const std::string& key) {
    OwnedValue value {};
    const char* call = nullptr;
    CheckCs(env, call, TryRead(key, &value, &call));
    return value;
  }

  // get(key) -> {key, type, value}
  Napi::Value Get(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cmap_get");
    std::string key = KeyArg(info, 0, "key", CMAP_KEYNAME_MINLEN);
    return Entry(env, key, Read(env, key));
  }

  // set(key, type, value)
  void Set(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cmap_set");
    std::string key = KeyArg(info, 0, "key", CMAP_KEYNAME_MINLEN);
    auto type = static_cast<cmap_value_types_t>(Uint32Arg(info, 1, "type"));
    if (info.Length() < 3) throw Napi::TypeError::New(env, "value is missing");
    std::vector<uint8_t> bytes = FromJs(env, type, info[2]);
    CheckCs(env, "cmap_set", cmap_set(handle_, key.c_str(), bytes.data(), bytes.size(), type));
  }

  void Delete(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "cmap_delete");
    std::string key = KeyArg(info, 0, "key", CMAP_KEYNAME_MINLEN);
    CheckCs(info.Env(), "cmap_delete", cmap_delete(handle_, key.c_str()));
  }

  // iterate(prefix) -> [{key, type, value}], in cmap's (sorted) order; "" lists everything.
  Napi::Value Iterate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cmap_iter_init");
    std::string prefix = KeyArg(info, 0, "prefix", 0);
    cmap_iter_handle_t iter = 0;
    CheckCs(env, "cmap_iter_init", cmap_iter_init(handle_, prefix.empty() ? nullptr : prefix.c_str(), &iter));
    std::vector<std::string> keys;
    cs_error_t rc = CS_OK;
    for (;;) {
      char key[CMAP_KEYNAME_MAXLEN + 1] = {0};
      size_t length = 0;
      cmap_value_types_t type {};
      rc = cmap_iter_next(handle_, iter, key, &length, &type);
      if (rc != CS_OK) break;
      keys.emplace_back(key);
    }
    cmap_iter_finalize(handle_, iter);
    if (rc != CS_ERR_NO_SECTIONS) ThrowCs(env, "cmap_iter_next", rc);
    Napi::Array result = Napi::Array::New(env);
    uint32_t index = 0;
    for (const std::string& key : keys) {
      OwnedValue value {};
      const char* call = nullptr;
      cs_error_t readRc = TryRead(key, &value, &call);
      // A key deleted while we iterate is simply no longer part of the answer.
      if (readRc == CS_ERR_NOT_EXIST) continue;
      CheckCs(env, call, readRc);
      result.Set(index++, Entry(env, key, value));
    }
    return result;
  }

  // trackAdd(key, flags) -> trackId; flags are CMAP_TRACK_ADD|DELETE|MODIFY, plus PREFIX to
  // track every key under key.
  Napi::Value TrackAdd(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cmap_track_add");
    std::string key = KeyArg(info, 0, "key", 1);
    uint32_t flags = Uint32Arg(info, 1, "flags");
    auto track = std::make_unique<Track>(Track {this, nextTrackId_, 0});
    CheckCs(env, "cmap_track_add",
            cmap_track_add(handle_, key.c_str(), static_cast<int32_t>(flags), OnNotify, track.get(), &track->handle));
    uint32_t id = nextTrackId_++;
    tracks_[id] = std::move(track);
    return Napi::Number::New(env, id);
  }

  void TrackDelete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cmap_track_delete");
    uint32_t id = Uint32Arg(info, 0, "trackId");
    auto found = tracks_.find(id);
    if (found == tracks_.end()) throw Napi::RangeError::New(env, "no cmap track with id " + std::to_string(id));
    CheckCs(env, "cmap_track_delete", cmap_track_delete(handle_, found->second->handle));
    tracks_.erase(found);
  }

  cmap_handle_t handle_ = 0;
  uint32_t nextTrackId_ = 1;
  std::map<uint32_t, std::unique_ptr<Track>> tracks_;
};

}  // namespace

void InitCmap(Napi::Env env, Napi::Object exports) {
  exports.Set("CmapHandle", CmapHandle::Define(env));
}

}  // namespace quorate
