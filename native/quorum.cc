// libquorum: is this partition quorate, with notifications on every change.
#include <corosync/quorum.h>

#include <vector>

#include "bindings.h"
#include "library_handle.h"

namespace quorate {

namespace {

class QuorumHandle : public LibraryHandle<QuorumHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "QuorumHandle",
                       WithCommonMethods({
                           InstanceMethod<&QuorumHandle::GetQuorate>("getQuorate"),
                           InstanceMethod<&QuorumHandle::QuorumType>("quorumType"),
                           InstanceMethod<&QuorumHandle::TrackStart>("trackStart"),
                           InstanceMethod<&QuorumHandle::TrackStop>("trackStop"),
                       }));
  }

  // new QuorumHandle(onEvent): model v1, so notifications carry the full ring id and the
  // node list changes too.
  explicit QuorumHandle(const Napi::CallbackInfo& info) : LibraryHandle<QuorumHandle>(info) {
    Napi::Env env = info.Env();
    Napi::Function onEvent = FunctionArg(info, 0, "onEvent");
    quorum_model_v1_data_t model {};
    model.model = QUORUM_MODEL_V1;
    model.quorum_notify_fn = OnQuorum;
    model.nodelist_notify_fn = OnNodelist;
    CheckCs(env, "quorum_model_initialize",
            quorum_model_initialize(&handle_, QUORUM_MODEL_V1, reinterpret_cast<quorum_model_data_t*>(&model),
                                    &quorumType_, this));
    int fd = -1;
    cs_error_t rc = quorum_fd_get(handle_, &fd);
    StartEvents(env, onEvent, "quorum_fd_get", rc, fd, "quorum_dispatch",
                [this] { return quorum_dispatch(handle_, CS_DISPATCH_ALL); });
  }

  ~QuorumHandle() override { Release(); }

  void FinalizeLibrary() { quorum_finalize(handle_); }

 private:
  static QuorumHandle* From(quorum_handle_t handle) {
    const void* context = nullptr;
    quorum_context_get(handle, &context);
    return static_cast<QuorumHandle*>(const_cast<void*>(context));
  }

  static void OnQuorum(quorum_handle_t handle, uint32_t quorate, struct quorum_ring_id ringId, uint32_t count,
                       const uint32_t* members) {
    QuorumHandle* self = From(handle);
    if (self == nullptr) return;
    std::vector<uint32_t> memberList(members, members + count);
    self->pump_.Push([quorate, ringId, memberList](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "quorum");
      event.Set("quorate", quorate != 0);
      event.Set("ringId", RingId(env, ringId.nodeid, ringId.seq));
      event.Set("members", NodeIdArray(env, memberList.data(), memberList.size()));
      return event;
    });
  }

  static void OnNodelist(quorum_handle_t handle, struct quorum_ring_id ringId, uint32_t memberCount,
                         const uint32_t* members, uint32_t joinedCount, const uint32_t* joined, uint32_t leftCount,
                         const uint32_t* left) {
    QuorumHandle* self = From(handle);
    if (self == nullptr) return;
    std::vector<uint32_t> memberList(members, members + memberCount);
    std::vector<uint32_t> joinedList(joined, joined + joinedCount);
    std::vector<uint32_t> leftList(left, left + leftCount);
    self->pump_.Push([ringId, memberList, joinedList, leftList](Napi::Env env) -> Napi::Value {
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", "nodelist");
      event.Set("ringId", RingId(env, ringId.nodeid, ringId.seq));
      event.Set("members", NodeIdArray(env, memberList.data(), memberList.size()));
      event.Set("joined", NodeIdArray(env, joinedList.data(), joinedList.size()));
      event.Set("left", NodeIdArray(env, leftList.data(), leftList.size()));
      return event;
    });
  }

  Napi::Value GetQuorate(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "quorum_getquorate");
    int quorate = 0;
    CheckCs(info.Env(), "quorum_getquorate", quorum_getquorate(handle_, &quorate));
    return Napi::Boolean::New(info.Env(), quorate != 0);
  }

  // QUORUM_SET (1) when a quorum provider (votequorum) is configured, QUORUM_FREE (0) if not.
  Napi::Value QuorumType(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "quorumType");
    return Napi::Number::New(info.Env(), quorumType_);
  }

  // trackStart(flags): CS_TRACK_CURRENT | CS_TRACK_CHANGES | CS_TRACK_CHANGES_ONLY
  void TrackStart(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "quorum_trackstart");
    uint32_t flags = Uint32Arg(info, 0, "flags");
    CheckCs(info.Env(), "quorum_trackstart", quorum_trackstart(handle_, flags));
  }

  void TrackStop(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "quorum_trackstop");
    CheckCs(info.Env(), "quorum_trackstop", quorum_trackstop(handle_));
  }

  quorum_handle_t handle_ = 0;
  uint32_t quorumType_ = 0;
};

}  // namespace

void InitQuorum(Napi::Env env, Napi::Object exports) {
  exports.Set("QuorumHandle", QuorumHandle::Define(env));
}

}  // namespace quorate
