// Delivers a corosync library's callbacks to JavaScript without ever blocking the event loop.
//
// The library's fd is watched with uv_poll on Node's loop. When it becomes readable the pump
// runs the library's dispatch (CS_DISPATCH_ALL, which does not wait); the library's C callbacks
// only queue copies of their data. After dispatch returns, the queued events are handed to the
// JavaScript callback one by one, so JavaScript never runs inside the library's dispatch and
// may close the handle from a callback: the remaining events of that round are then dropped.
// The JavaScript callback lives on the handle object itself (property kOnEventProperty), not in a
// persistent reference, so it cannot keep an unreferenced handle alive.
#pragma once

#include <napi.h>
#include <uv.h>
#include <corosync/corotypes.h>

#include <functional>
#include <vector>

namespace quorate {

constexpr const char* kOnEventProperty = "onEvent";

class EventPump {
 public:
  using Dispatch = std::function<cs_error_t()>;
  using Builder = std::function<Napi::Value(Napi::Env)>;
  using Self = std::function<Napi::Object()>;

  EventPump() = default;
  EventPump(const EventPump&) = delete;
  EventPump& operator=(const EventPump&) = delete;
  ~EventPump() { Stop(); }

  // self returns the JavaScript object of the handle (empty once it is being collected).
  void Start(Napi::Env env, int fd, const char* dispatchCall, Dispatch dispatch, Self self);
  // Stops watching and drops queued events; safe to call from inside a delivered callback.
  void Stop();
  // Called by the library's C callbacks during dispatch.
  void Push(Builder build) { pending_.push_back(std::move(build)); }
  // Keeps the process alive while the handle is open (the default), or not.
  void SetRef(bool ref);

 private:
  static void OnPoll(uv_poll_t* poll, int status, int events);
  void OnReadable();
  void Emit(Napi::Object self, Napi::Function onEvent, Napi::Value event);

  napi_env env_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  const char* dispatchCall_ = "";
  Dispatch dispatch_;
  Self self_;
  std::vector<Builder> pending_;
};

}  // namespace quorate
