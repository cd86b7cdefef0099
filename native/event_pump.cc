#include "event_pump.h"

#include "errors.h"

namespace quorate {

namespace {

void ClosePoll(uv_poll_t* poll) {
  poll->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
}

}  // namespace

void EventPump::Start(Napi::Env env, int fd, const char* dispatchCall, Dispatch dispatch, Self self) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw Napi::Error::New(env, "cannot get the Node.js event loop");
  }
  auto* poll = new uv_poll_t();
  int rc = uv_poll_init(loop, poll, fd);
  if (rc == 0) {
    poll->data = this;
    rc = uv_poll_start(poll, UV_READABLE, OnPoll);
    if (rc != 0) ClosePoll(poll);
  } else {
    delete poll;
  }
  if (rc != 0) ThrowErrno(env, "uv_poll_start", -rc, "fd " + std::to_string(fd));
  env_ = env;
  poll_ = poll;
  dispatchCall_ = dispatchCall;
  dispatch_ = std::move(dispatch);
  self_ = std::move(self);
}

void EventPump::Stop() {
  pending_.clear();
  if (poll_ != nullptr) {
    ClosePoll(poll_);
    poll_ = nullptr;
  }
}

void EventPump::SetRef(bool ref) {
  if (poll_ == nullptr) return;
  if (ref) {
    uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  }
}

void EventPump::OnPoll(uv_poll_t* poll, int /*status*/, int /*events*/) {
  // An error status (e.g. the daemon closed the socket) also goes through dispatch, which
  // then reports the library's own error code.
  auto* pump = static_cast<EventPump*>(poll->data);
  if (pump != nullptr) pump->OnReadable();
}

void EventPump::OnReadable() {
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  // The object may already be unreachable and waiting for its finalizer: deliver nothing then.
  Napi::Object self = self_();
  if (self.IsEmpty()) return;
  Napi::Value callback = self.Get(kOnEventProperty);
  if (!callback.IsFunction()) return;
  Napi::Function onEvent = callback.As<Napi::Function>();

  cs_error_t rc = dispatch_();
  std::vector<Builder> events;
  events.swap(pending_);
  for (Builder& build : events) {
    if (poll_ == nullptr) return;  // closed by an earlier callback of this round
    Emit(self, onEvent, build(env));
  }
  if (rc != CS_OK && poll_ != nullptr) {
    // The connection to corosync is gone (daemon stopped or handle broken): stop watching so
    // the loop does not spin on a dead fd, and report it once.
    Napi::Value error = CsError(env, dispatchCall_, rc);
    Stop();
    Napi::Object event = Napi::Object::New(env);
    event.Set("type", "error");
    event.Set("error", error);
    Emit(self, onEvent, event);
  }
}

void EventPump::Emit(Napi::Object self, Napi::Function onEvent, Napi::Value event) {
  try {
    onEvent.MakeCallback(self, {event});
  } catch (const Napi::Error& error) {
    // A throwing listener is the application's bug: surface it like any uncaught exception
    // instead of unwinding through libuv.
    napi_fatal_exception(env_, error.Value());
  }
}

}  // namespace quorate
