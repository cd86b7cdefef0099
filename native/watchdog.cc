// Linux watchdog device ioctls (linux/watchdog.h): the timer that resets the machine unless it
// is fed. Closing without the magic 'V' leaves the timer running, which is what a crash or a
// forgotten handle must do.
#include <fcntl.h>
#include <linux/watchdog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bindings.h"
#include "convert.h"
#include "errors.h"

namespace quorate {

namespace {

class WatchdogHandle : public Napi::ObjectWrap<WatchdogHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "WatchdogHandle",
                       {
                           InstanceMethod<&WatchdogHandle::GetSupport>("getSupport"),
                           InstanceMethod<&WatchdogHandle::GetTimeout>("getTimeout"),
                           InstanceMethod<&WatchdogHandle::SetTimeout>("setTimeout"),
                           InstanceMethod<&WatchdogHandle::Keepalive>("keepalive"),
                           InstanceMethod<&WatchdogHandle::GetBootStatus>("getBootStatus"),
                           InstanceMethod<&WatchdogHandle::Close>("close"),
                       });
  }

  // new WatchdogHandle(path): opening the device arms the timer.
  explicit WatchdogHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WatchdogHandle>(info) {
    path_ = StringArg(info, 0, "path");
    fd_ = open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) ThrowErrno(info.Env(), "open", errno, path_);
  }

  // Garbage collected while open: close without the magic character (the timer keeps running).
  ~WatchdogHandle() override {
    if (fd_ >= 0) close(fd_);
  }

 private:
  int Fd(Napi::Env env, const char* call) const {
    if (fd_ < 0) ThrowClosed(env, call);
    return fd_;
  }

  int IntIoctl(Napi::Env env, const char* call, unsigned long request, int value) {
    int fd = Fd(env, call);
    if (ioctl(fd, request, &value) < 0) ThrowErrno(env, call, errno, path_);
    return value;
  }

  Napi::Value GetSupport(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = Fd(env, "WDIOC_GETSUPPORT");
    struct watchdog_info wdinfo {};
    if (ioctl(fd, WDIOC_GETSUPPORT, &wdinfo) < 0) ThrowErrno(env, "WDIOC_GETSUPPORT", errno, path_);
    Napi::Object result = Napi::Object::New(env);
    result.Set("options", static_cast<double>(wdinfo.options));
    result.Set("firmwareVersion", static_cast<double>(wdinfo.firmware_version));
    const char* identity = reinterpret_cast<const char*>(wdinfo.identity);
    result.Set("identity", std::string(identity, strnlen(identity, sizeof wdinfo.identity)));
    return result;
  }

  Napi::Value GetTimeout(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), IntIoctl(info.Env(), "WDIOC_GETTIMEOUT", WDIOC_GETTIMEOUT, 0));
  }

  // setTimeout(seconds) -> the timeout the driver actually set (it may round).
  Napi::Value SetTimeout(const Napi::CallbackInfo& info) {
    uint32_t seconds = Uint32Arg(info, 0, "seconds");
    if (seconds == 0 || seconds > INT32_MAX) throw Napi::RangeError::New(info.Env(), "seconds must be positive");
    int set = IntIoctl(info.Env(), "WDIOC_SETTIMEOUT", WDIOC_SETTIMEOUT, static_cast<int>(seconds));
    return Napi::Number::New(info.Env(), set);
  }

  void Keepalive(const Napi::CallbackInfo& info) { IntIoctl(info.Env(), "WDIOC_KEEPALIVE", WDIOC_KEEPALIVE, 0); }

  Napi::Value GetBootStatus(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), IntIoctl(info.Env(), "WDIOC_GETBOOTSTATUS", WDIOC_GETBOOTSTATUS, 0));
  }

  // close(magic): with magic the driver stops the timer (unless built with nowayout).
  void Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    bool magic = BoolArg(info, 0, "magic");
    if (fd_ < 0) return;
    int fd = fd_;
    fd_ = -1;
    if (magic && write(fd, "V", 1) != 1) {
      int err = errno;
      close(fd);
      ThrowErrno(env, "write magic close", err, path_);
    }
    if (close(fd) < 0) ThrowErrno(env, "close", errno, path_);
  }

  std::string path_;
  int fd_ = -1;
};

}  // namespace

void InitWatchdog(Napi::Env env, Napi::Object exports) {
  exports.Set("WatchdogHandle", WatchdogHandle::Define(env));
}

}  // namespace quorate
