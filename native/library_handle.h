// What the corosync library handles (cpg, quorum, votequorum, cmap) share: a library handle
// that stays open until close() or garbage collection, events delivered by an EventPump, and
// a clear error for any call after close.
#pragma once

#include <napi.h>

#include <vector>

#include "convert.h"
#include "errors.h"
#include "event_pump.h"

namespace quorate {

// T implements FinalizeLibrary() and calls Release() from its destructor (the base destructor
// runs too late for that).
template <typename T>
class LibraryHandle : public Napi::ObjectWrap<T> {
 public:
  explicit LibraryHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info) {}

 protected:
  using Wrap = Napi::ObjectWrap<T>;
  using Methods = std::vector<typename Wrap::PropertyDescriptor>;

  static Methods WithCommonMethods(Methods methods) {
    methods.push_back(Wrap::InstanceMethod("setRef", &LibraryHandle::SetRef));
    methods.push_back(Wrap::InstanceMethod("close", &LibraryHandle::Close));
    return methods;
  }

  // Called right after the library's initialize succeeded: from here on the handle is open and
  // is finalized again if anything below fails.
  void StartEvents(Napi::Env env, Napi::Function onEvent, const char* fdCall, cs_error_t fdRc, int fd,
                   const char* dispatchCall, EventPump::Dispatch dispatch) {
    open_ = true;
    try {
      CheckCs(env, fdCall, fdRc);
      pump_.Start(env, onEvent, fd, dispatchCall, std::move(dispatch), [this] { return this->Value(); });
    } catch (...) {
      Release();
      throw;
    }
  }

  void EnsureOpen(Napi::Env env, const char* call) const {
    if (!open_) ThrowClosed(env, call);
  }

  void Release() {
    if (!open_) return;
    open_ = false;
    pump_.Stop();
    static_cast<T*>(this)->FinalizeLibrary();
  }

  EventPump pump_;

 private:
  // setRef(false) lets the process exit while the handle is still open.
  void SetRef(const Napi::CallbackInfo& info) {
    EnsureOpen(info.Env(), "setRef");
    pump_.SetRef(BoolArg(info, 0, "ref"));
  }

  void Close(const Napi::CallbackInfo& /*info*/) { Release(); }

  bool open_ = false;
};

}  // namespace quorate
