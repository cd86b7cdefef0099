// libvotequorum: votes, expected votes and quorum per node, notifications, and the calls a
// quorum device makes (register, poll with its vote, master_wins, unregister).
#include <corosync/votequorum.h>

#include <cstring>
#include <vector>

#include "bindings.h"
#include "library_handle.h"

namespace quorate {

namespace {

std::string DeviceName(const Napi::CallbackInfo& info, size_t index, const char* what) {
  std::string name = StringArg(info, index, what);
  if (name.empty() || name.size() >= VOTEQUORUM_QDEVICE_MAX_NAME_LEN) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be 1.." +
                                                std::to_string(VOTEQUORUM_QDEVICE_MAX_NAME_LEN - 1) + " bytes");
  }
  return name;
}

class VotequorumHandle : public LibraryHandle<VotequorumHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VotequorumHandle",
                       WithCommonMethods({
                           InstanceMethod<&VotequorumHandle::GetInfo>("getInfo"),
                           InstanceMethod<&VotequorumHandle::TrackStart>("trackStart"),
                           InstanceMethod<&VotequorumHandle::TrackStop>("trackStop"),
                           InstanceMethod<&VotequorumHandle::QdeviceRegister>("qdeviceRegister"),
                           InstanceMethod<&VotequorumHandle::QdeviceUnregister>("qdeviceUnregister"),
                           InstanceMethod<&VotequorumHandle::QdeviceUpdate>("qdeviceUpdate"),
                           InstanceMethod<&VotequorumHandle::QdevicePoll>("qdevicePoll"),
                           InstanceMethod<&VotequorumHandle::QdeviceMasterWins>("qdeviceMasterWins"),
                       }));
  }

  // new VotequorumHandle(onEvent)
  explicit VotequorumHandle(const Napi::CallbackInfo& info) : LibraryHandle<VotequorumHandle>(info) {
    Napi::Env env = info.Env();
    Napi::Function onEvent = FunctionArg(info, 0, "onEvent");
    votequorum_callbacks_t callbacks {};
    callbacks.votequorum_quorum_notify_fn = OnQuorum;
    callbacks.votequorum_nodelist_notify_fn = OnNodelist;
    callbacks.votequorum_expectedvotes_notify_fn = OnExpectedVotes;
    CheckCs(env, "votequorum_initialize", votequorum_initialize(&handle_, &callbacks));
    const char* call = "votequorum_context_set";
    cs_error_t rc = votequorum_context_set(handle_, this);
    int fd = -1;
    if (rc == CS_OK) {
      call = "votequorum_fd_get";
      rc = votequorum_fd_get(handle_, &fd);
    }
    StartEvents(env, onEvent, call, rc, fd, "votequorum_dispatch",
                [this] { return votequorum_dispatch(handle_, CS_DISPATCH_ALL); });
  }

  ~VotequorumHandle() override { Release(); }

  void FinalizeLibrary() { votequorum_finalize(handle_); }

 private:
  struct NodeState {
    uint32_t nodeid;
    uint32_t state;
  };

  static VotequorumHandle* From(votequorum_handle_t handle) {
    void* context = nullptr;
    votequorum_context_get(handle, &context);
    return static_cast<VotequorumHandle*>(context);
  }

  static void OnQuorum(votequorum_handle_t handle, uint64_t /*context*/, uint32_t quorate, uint32_t count,
                       votequorum_node_t nodes[]) {
    VotequorumHandle* self = From(handle);
    if (self == nullptr) return;
    std::vector<NodeState> list;
    for (uint32_t i = 0; i < count; i++) list.push_back({nodes[i].nodeid, nodes[i].state});
    self->pump_.Push([quorate, list](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "quorum");
      event.Set("quorate", quorate != 0);
      Napi::Array array = Napi::Array::New(env, list.size());
      for (size_t i = 0; i < list.size(); i++) {
        Napi::Object node = Napi::Object::New(env);
        node.Set("nodeId", static_cast<double>(list[i].nodeid));
        node.Set("state", static_cast<double>(list[i].state));
        array.Set(static_cast<uint32_t>(i), node);
      }
      event.Set("nodes", array);
      return event;
    });
  }

  static void OnNodelist(votequorum_handle_t handle, uint64_t /*context*/, votequorum_ring_id_t ringId,
                         uint32_t count, uint32_t nodes[]) {
    VotequorumHandle* self = From(handle);
    if (self == nullptr) return;
    std::vector<uint32_t> list(nodes, nodes + count);
    self->pump_.Push([ringId, list](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "nodelist");
      event.Set("ringId", RingId(env, ringId.nodeid, ringId.seq));
      event.Set("members", NodeIdArray(env, list.data(), list.size()));
      return event;
    });
  }

  static void OnExpectedVotes(votequorum_handle_t handle, uint64_t /*context*/, uint32_t expectedVotes) {
    VotequorumHandle* self = From(handle);
    if (self == nullptr) return;
    self->pump_.Push([expectedVotes](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "expectedVotes");
      event.Set("expectedVotes", static_cast<double>(expectedVotes));
      return event;
    });
  }

  // getInfo(nodeId): nodeId 0 (VOTEQUORUM_QDEVICE_NODEID) answers for this node; the device is
  // described by the qdevice fields and flags of every answer.
  Napi::Value GetInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "votequorum_getinfo");
    uint32_t nodeId = Uint32Arg(info, 0, "nodeId");
    struct votequorum_info vinfo {};
    CheckCs(env, "votequorum_getinfo", votequorum_getinfo(handle_, nodeId, &vinfo));
    Napi::Object result = Napi::Object::New(env);
    result.Set("nodeId", static_cast<double>(vinfo.node_id));
    result.Set("state", static_cast<double>(vinfo.node_state));
    result.Set("votes", static_cast<double>(vinfo.node_votes));
    result.Set("expectedVotes", static_cast<double>(vinfo.node_expected_votes));
    result.Set("highestExpected", static_cast<double>(vinfo.highest_expected));
    result.Set("totalVotes", static_cast<double>(vinfo.total_votes));
    result.Set("quorum", static_cast<double>(vinfo.quorum));
    result.Set("flags", static_cast<double>(vinfo.flags));
    result.Set("qdeviceVotes", static_cast<double>(vinfo.qdevice_votes));
    result.Set("qdeviceName", std::string(vinfo.qdevice_name, strnlen(vinfo.qdevice_name, sizeof vinfo.qdevice_name)));
    return result;
  }

  // trackStart(flags): notifications with context 0.
  void TrackStart(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "votequorum_trackstart");
    uint32_t flags = Uint32Arg(info, 0, "flags");
    CheckCs(info.Env(), "votequorum_trackstart", votequorum_trackstart(handle_, 0, flags));
  }

  void TrackStop(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "votequorum_trackstop");
    CheckCs(info.Env(), "votequorum_trackstop", votequorum_trackstop(handle_));
  }

  void QdeviceRegister(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "votequorum_qdevice_register");
    std::string name = DeviceName(info, 0, "name");
    CheckCs(info.Env(), "votequorum_qdevice_register", votequorum_qdevice_register(handle_, name.c_str()));
  }

  void QdeviceUnregister(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "votequorum_qdevice_unregister");
    std::string name = DeviceName(info, 0, "name");
    CheckCs(info.Env(), "votequorum_qdevice_unregister", votequorum_qdevice_unregister(handle_, name.c_str()));
  }

  void QdeviceUpdate(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "votequorum_qdevice_update");
    std::string oldName = DeviceName(info, 0, "oldName");
    std::string newName = DeviceName(info, 1, "newName");
    CheckCs(info.Env(), "votequorum_qdevice_update",
            votequorum_qdevice_update(handle_, oldName.c_str(), newName.c_str()));
  }

  // qdevicePoll(name, castVote, ringId {nodeId, seq}): the ring id must be the current one
  // (from the last nodelist notification) or corosync answers CS_ERR_MESSAGE_ERROR.
  void QdevicePoll(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    EnsureOpen(env, "votequorum_qdevice_poll");
    std::string name = DeviceName(info, 0, "name");
    bool castVote = BoolArg(info, 1, "castVote");
    if (info.Length() < 3 || !info[2].IsObject()) throw Napi::TypeError::New(env, "ringId must be an object");
    Napi::Object ring = info[2].As<Napi::Object>();
    votequorum_ring_id_t ringId {};
    Napi::Value nodeId = ring.Get("nodeId");
    if (!nodeId.IsNumber()) throw Napi::TypeError::New(env, "ringId.nodeId must be a number");
    ringId.nodeid = nodeId.As<Napi::Number>().Uint32Value();
    ringId.seq = BigUint64(env, ring.Get("seq"), "ringId.seq");
    CheckCs(env, "votequorum_qdevice_poll", votequorum_qdevice_poll(handle_, name.c_str(), castVote ? 1 : 0, ringId));
  }

  void QdeviceMasterWins(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "votequorum_qdevice_master_wins");
    std::string name = DeviceName(info, 0, "name");
    bool allow = BoolArg(info, 1, "allow");
    CheckCs(info.Env(), "votequorum_qdevice_master_wins",
            votequorum_qdevice_master_wins(handle_, name.c_str(), allow ? 1 : 0));
  }

  votequorum_handle_t handle_ = 0;
};

}  // namespace

void InitVotequorum(Napi::Env env, Napi::Object exports) {
  exports.Set("VotequorumHandle", VotequorumHandle::Define(env));
}

}  // namespace quorate
