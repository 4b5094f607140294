// ByteStream: raw bytes from an HRNG device, a serial HRNG, a pipe or a file.
//
// OpenByteStream opens `path` read-only. Character devices such as /dev/hwrng, FIFOs
// and regular files are read as they are; a terminal (a USB serial HRNG such as
// /dev/ttyACM0) is first put into raw mode with termios (no echo, no line editing, no
// CR/LF translation, no signal characters, 8-bit clean), and restored on close.
// termios is applied only when isatty() says the file is a terminal, so a FIFO or a
// regular file standing in for a device in tests is never touched.
//
// Reads wait with poll() in short slices so that a reader blocked on a slow or silent
// device notices a stop request within ~100 ms.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/status.h"

namespace otc::padgen {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to out.size() bytes. Returns 0 at end of stream, when `stop` became true
  // while waiting, or when nothing arrived within `max_wait` (the caller checks `stop`
  // and the clock to tell these apart).
  virtual Result<size_t> Read(std::span<uint8_t> out, const std::atomic<bool>& stop,
                              std::chrono::milliseconds max_wait = kWaitForever) = 0;
  static constexpr std::chrono::milliseconds kWaitForever = std::chrono::milliseconds::max();
  // The path, for messages ("/dev/hwrng").
  virtual const std::string& name() const = 0;
  // What the path turned out to be: "character device", "terminal", "fifo", "file".
  virtual const char* kind() const = 0;
};

// Opens a device, serial port, FIFO or file for reading. A missing path is NotFound
// with a message naming the device.
Result<std::unique_ptr<ByteStream>> OpenByteStream(const std::string& path);

}  // namespace otc::padgen
