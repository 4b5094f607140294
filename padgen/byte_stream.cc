#include "padgen/byte_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace otc::padgen {
namespace {

constexpr int kPollSliceMs = 100;

class FdByteStream final : public ByteStream {
 public:
  FdByteStream(int fd, std::string path, const char* kind, bool restore_termios,
               const termios& saved)
      : fd_(fd),
        path_(std::move(path)),
        kind_(kind),
        restore_termios_(restore_termios),
        saved_(saved) {}
  ~FdByteStream() override {
    if (restore_termios_) tcsetattr(fd_, TCSANOW, &saved_);
    ::close(fd_);
  }

  Result<size_t> Read(std::span<uint8_t> out, const std::atomic<bool>& stop,
                      std::chrono::milliseconds max_wait) override {
    const auto start = std::chrono::steady_clock::now();
    while (true) {
      if (stop.load(std::memory_order_relaxed)) return size_t{0};
      if (max_wait != kWaitForever && std::chrono::steady_clock::now() - start >= max_wait) {
        return size_t{0};
      }
      pollfd pfd{fd_, POLLIN, 0};
      int ready = ::poll(&pfd, 1, kPollSliceMs);
      if (ready < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "waiting for " + path_);
      }
      if (ready == 0) continue;  // nothing yet; check `stop` and wait again
      ssize_t n = ::read(fd_, out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR || errno == EAGAIN) continue;
      return Status::FromErrno(errno, "reading " + path_);
    }
  }

  const std::string& name() const override { return path_; }
  const char* kind() const override { return kind_; }

 private:
  int fd_;
  std::string path_;
  const char* kind_;
  bool restore_termios_;
  termios saved_;
};

}  // namespace

Result<std::unique_ptr<ByteStream>> OpenByteStream(const std::string& path) {
  // O_NONBLOCK so that opening a serial port does not wait for carrier detect; it is
  // cleared again below. A FIFO is opened blocking instead (padgen waits for a writer,
  // like cat): a non-blocking FIFO without a writer reads as end of file, and even a
  // brief non-blocking open counts as a reader, so a writer that saw it come and go
  // would get EPIPE. Hence the type is looked up before opening.
  struct stat pre;
  const bool fifo = ::stat(path.c_str(), &pre) == 0 && S_ISFIFO(pre.st_mode);
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC | (fifo ? 0 : O_NONBLOCK));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return Status::NotFound(path +
                              " does not exist; check the device path (is the RNG "
                              "plugged in and its driver loaded?)");
    }
    return Status::FromErrno(err, "opening " + path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "stat " + path);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is a directory, not a random source");
  }
  if (!S_ISFIFO(st.st_mode)) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, "configuring " + path);
    }
  }
  const char* kind = S_ISCHR(st.st_mode)    ? "character device"
                     : S_ISFIFO(st.st_mode) ? "fifo"
                     : S_ISSOCK(st.st_mode) ? "socket"
                     : S_ISBLK(st.st_mode)  ? "block device"
                                            : "file";
  termios saved{};
  bool is_tty = ::isatty(fd) == 1;
  if (is_tty) {
    kind = "terminal";
    if (tcgetattr(fd, &saved) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, "reading terminal settings of " + path);
    }
    termios raw = saved;
    cfmakeraw(&raw);  // no echo, no canonical mode, no CR/LF mapping, no ISIG, CS8
    raw.c_cflag |= CLOCAL | CREAD;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &raw) != 0) {
      int err = errno;
      ::close(fd);
      return Status::FromErrno(err, "putting " + path + " into raw mode");
    }
    tcflush(fd, TCIFLUSH);  // drop bytes that arrived under the old (cooked) settings
  }
  return std::unique_ptr<ByteStream>(new FdByteStream(fd, path, kind, is_tty, saved));
}

}  // namespace otc::padgen
