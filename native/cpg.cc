// libcpg: closed process groups with agreed-order delivery.
#include <corosync/cpg.h>

#include <cstring>
#include <vector>

#include "bindings.h"
#include "convert.h"
#include "errors.h"
#include "library_handle.h"

namespace quorate {

namespace {

struct cpg_name GroupName(const Napi::CallbackInfo& info, size_t index) {
  std::string name = StringArg(info, index, "group");
  if (name.empty() || name.size() >= CPG_MAX_NAME_LENGTH) {
    throw Napi::RangeError::New(info.Env(), "group name must be 1.." + std::to_string(CPG_MAX_NAME_LENGTH - 1) + " bytes");
  }
  struct cpg_name group {};
  group.length = static_cast<uint32_t>(name.size());
  std::memcpy(group.value, name.data(), name.size());
  return group;
}

std::string GroupString(const struct cpg_name* group) {
  return std::string(group->value, std::min<size_t>(group->length, CPG_MAX_NAME_LENGTH));
}

Napi::Array AddressArray(Napi::Env env, const std::vector<struct cpg_address>& list) {
  Napi::Array array = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("nodeId", static_cast<double>(list[i].nodeid));
    entry.Set("pid", static_cast<double>(list[i].pid));
    entry.Set("reason", static_cast<double>(list[i].reason));
    array.Set(static_cast<uint32_t>(i), entry);
  }
  return array;
}

class CpgHandle : public LibraryHandle<CpgHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CpgHandle",
                       WithCommonMethods({
                           InstanceMethod<&CpgHandle::Join>("join"),
                           InstanceMethod<&CpgHandle::Leave>("leave"),
                           InstanceMethod<&CpgHandle::McastJoined>("mcastJoined"),
                           InstanceMethod<&CpgHandle::MembershipGet>("membershipGet"),
                           InstanceMethod<&CpgHandle::LocalGet>("localGet"),
                           InstanceMethod<&CpgHandle::FlowControlEnabled>("flowControlEnabled"),
                           InstanceMethod<&CpgHandle::MaxAtomicMsgSize>("maxAtomicMsgSize"),
                       }));
  }

  // new CpgHandle(onEvent)
  explicit CpgHandle(const Napi::CallbackInfo& info) : LibraryHandle<CpgHandle>(info) {
    Napi::Env env = info.Env();
    Napi::Function onEvent = FunctionArg(info, 0, "onEvent");
    cpg_model_v1_data_t model {};
    model.model = CPG_MODEL_V1;
    model.cpg_deliver_fn = OnDeliver;
    model.cpg_confchg_fn = OnConfchg;
    model.cpg_totem_confchg_fn = OnTotemConfchg;
    model.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF;
    CheckCs(env, "cpg_model_initialize",
            cpg_model_initialize(&handle_, CPG_MODEL_V1, reinterpret_cast<cpg_model_data_t*>(&model), this));
    int fd = -1;
    cs_error_t rc = cpg_fd_get(handle_, &fd);
    StartEvents(env, onEvent, "cpg_fd_get", rc, fd, "cpg_dispatch", [this] { return cpg_dispatch(handle_, CS_DISPATCH_ALL); });
  }

  ~CpgHandle() override { Release(); }

  void FinalizeLibrary() { cpg_finalize(handle_); }

 private:
  static CpgHandle* From(cpg_handle_t handle) {
    void* context = nullptr;
    cpg_context_get(handle, &context);
    return static_cast<CpgHandle*>(context);
  }

  static void OnDeliver(cpg_handle_t handle, const struct cpg_name* group, uint32_t nodeid, uint32_t pid, void* msg,
                        size_t len) {
    CpgHandle* self = From(handle);
    if (self == nullptr) return;
    std::string name = GroupString(group);
    std::vector<uint8_t> data(static_cast<uint8_t*>(msg), static_cast<uint8_t*>(msg) + len);
    self->pump_.Push([name, nodeid, pid, data = std::move(data)](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "deliver");
      event.Set("group", name);
      event.Set("nodeId", static_cast<double>(nodeid));
      event.Set("pid", static_cast<double>(pid));
      event.Set("data", Napi::Buffer<uint8_t>::Copy(env, data.data(), data.size()));
      return event;
    });
  }

  static void OnConfchg(cpg_handle_t handle, const struct cpg_name* group, const struct cpg_address* members,
                        size_t memberCount, const struct cpg_address* left, size_t leftCount,
                        const struct cpg_address* joined, size_t joinedCount) {
    CpgHandle* self = From(handle);
    if (self == nullptr) return;
    std::string name = GroupString(group);
    std::vector<struct cpg_address> memberList(members, members + memberCount);
    std::vector<struct cpg_address> leftList(left, left + leftCount);
    std::vector<struct cpg_address> joinedList(joined, joined + joinedCount);
    self->pump_.Push([name, memberList, leftList, joinedList](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "confchg");
      event.Set("group", name);
      event.Set("members", AddressArray(env, memberList));
      event.Set("left", AddressArray(env, leftList));
      event.Set("joined", AddressArray(env, joinedList));
      return event;
    });
  }

  static void OnTotemConfchg(cpg_handle_t handle, struct cpg_ring_id ringId, uint32_t memberCount,
                             const uint32_t* members) {
    CpgHandle* self = From(handle);
    if (self == nullptr) return;
    std::vector<uint32_t> memberList(members, members + memberCount);
    self->pump_.Push([ringId, memberList](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "totemConfchg");
      event.Set("ringId", RingId(env, ringId.nodeid, ringId.seq));
      event.Set("members", NodeIdArray(env, memberList.data(), memberList.size()));
      return event;
    });
  }

  void Join(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "cpg_join");
    struct cpg_name group = GroupName(info, 0);
    CheckCs(info.Env(), "cpg_join", cpg_join(handle_, &group));
  }

  void Leave(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "cpg_leave");
    struct cpg_name group = GroupName(info, 0);
    CheckCs(info.Env(), "cpg_leave", cpg_leave(handle_, &group));
  }

  // mcastJoined(data: Uint8Array): agreed order, the only guarantee corosync implements.
  void McastJoined(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cpg_mcast_joined");
    if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "data must be a Uint8Array");
    Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
    struct iovec iov {};
    iov.iov_base = data.Data();
    iov.iov_len = data.ByteLength();
    CheckCs(env, "cpg_mcast_joined", cpg_mcast_joined(handle_, CPG_TYPE_AGREED, &iov, 1));
  }

  Napi::Value MembershipGet(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "cpg_membership_get");
    struct cpg_name group = GroupName(info, 0);
    std::vector<struct cpg_address> members(CPG_MEMBERS_MAX);
    int count = CPG_MEMBERS_MAX;
    CheckCs(env, "cpg_membership_get", cpg_membership_get(handle_, &group, members.data(), &count));
    members.resize(static_cast<size_t>(count));
    return AddressArray(env, members);
  }

  Napi::Value LocalGet(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "cpg_local_get");
    unsigned int nodeid = 0;
    CheckCs(info.Env(), "cpg_local_get", cpg_local_get(handle_, &nodeid));
    return Napi::Number::New(info.Env(), nodeid);
  }

  Napi::Value FlowControlEnabled(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "cpg_flow_control_state_get");
    cpg_flow_control_state_t state = CPG_FLOW_CONTROL_DISABLED;
    CheckCs(info.Env(), "cpg_flow_control_state_get", cpg_flow_control_state_get(handle_, &state));
    return Napi::Boolean::New(info.Env(), state == CPG_FLOW_CONTROL_ENABLED);
  }

  Napi::Value MaxAtomicMsgSize(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "cpg_max_atomic_msgsize_get");
    uint32_t size = 0;
    CheckCs(info.Env(), "cpg_max_atomic_msgsize_get", cpg_max_atomic_msgsize_get(handle_, &size));
    return Napi::Number::New(info.Env(), size);
  }

  cpg_handle_t handle_ = 0;
};

}  // namespace

void InitCpg(Napi::Env env, Napi::Object exports) {
  exports.Set("CpgHandle", CpgHandle::Define(env));
}

}  // namespace quorate
