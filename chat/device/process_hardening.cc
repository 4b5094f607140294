#include "chat/device/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>

#include "common/secret_memory.h"

namespace otc::device {

Status HardenProcess(std::string* warning) {
  const rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return Status::Failed(std::string("cannot set the core file size limit to 0: ") +
                          std::strerror(errno));
  }
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Status::Failed(std::string("cannot mark the process not dumpable: ") +
                          std::strerror(errno));
  }
  std::string locked = ProtectSecretMemory();
  if (warning != nullptr) *warning = std::move(locked);
  return Status::Ok();
}

bool ListensOnEveryInterface(const http::ListenAddress& address) {
  if (address.kind != http::ListenAddress::Kind::kTcp) return false;
  boost::system::error_code ec;
  const boost::asio::ip::address ip = boost::asio::ip::make_address(address.host, ec);
  if (ec) return false;  // ParseListenAddress only yields IP literals
  if (ip.is_unspecified()) return true;
  if (ip.is_v6()) {
    const boost::asio::ip::address_v6 v6 = ip.to_v6();
    if (v6.is_v4_mapped()) {
      return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_unspecified();
    }
  }
  return false;
}

}  // namespace otc::device
