// What the corosync library handles (cpg, quorum, votequorum, cmap) share: a library handle
// that stays open until close() or garbage collection, events delivered by an EventPump, and
// a clear error for any call after close.
//
// Like a socket, an open handle keeps the process and itself alive (the wrapper holds a strong
// reference to itself). setRef(false) lets go of both: an unreferenced handle is then finalized
// by the garbage collector.
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
      this->Value().DefineProperty(Napi::PropertyDescriptor::Value(kOnEventProperty, onEvent, napi_default));
      pump_.Start(env, fd, dispatchCall, std::move(dispatch), [this] { return this->Value(); });
    } catch (...) {
      Release();
      throw;
    }
    Hold(true);
  }

  void EnsureOpen(Napi::Env env, const char* call) const {
    if (!open_) ThrowClosed(env, call);
  }

  // Also runs from the destructor (garbage collection), where the handle is no longer held.
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
    bool ref = BoolArg(info, 0, "ref");
    pump_.SetRef(ref);
    Hold(ref);
  }

  void Close(const Napi::CallbackInfo& /*info*/) {
    Release();
    Hold(false);
  }

  void Hold(bool hold) {
    if (hold == held_) return;
    held_ = hold;
    if (hold) {
      Wrap::Ref();
    } else {
      Wrap::Unref();
    }
  }

  bool open_ = false;
  bool held_ = false;
};

}  // namespace quorate
