// sd_notify(3)'s datagram: one sendto of a message to $NOTIFY_SOCKET, the unix datagram socket
// systemd listens on for READY=1 and STATUS= lines of Type=notify services. A name starting
// with '@' is in the abstract namespace (sun_path begins with a NUL byte). Node's dgram module
// has no unix datagram sockets, hence this small native call.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bindings.h"
#include "convert.h"
#include "errors.h"

namespace quorate {

namespace {

// sdNotify(socketPath, message): throws a DeviceError-style errno error naming the socket.
Napi::Value SdNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "socketPath");
  std::string message = StringArg(info, 1, "message");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || (path[0] != '/' && path[0] != '@') || path.size() > sizeof(addr.sun_path) - (path[0] == '/' ? 1 : 0)) {
    ThrowErrno(env, "sd_notify", EINVAL, path);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  // An abstract name's length is exactly its bytes; a path's includes its terminating NUL.
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '/' ? 1 : 0));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, "socket", errno, path);
  ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), length);
  int err = errno;
  close(fd);
  if (sent < 0) ThrowErrno(env, "sendto", err, path);
  return env.Undefined();
}

}  // namespace

void InitSdNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("sdNotify", Napi::Function::New<SdNotify>(env, "sdNotify"));
}

}  // namespace quorate
