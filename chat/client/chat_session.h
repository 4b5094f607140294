// The interactive chat, independent of the terminal: runs typed commands, sends in the
// background, receives in the background, and writes every transcript line to an Output.
//
// Threads: the caller's thread calls HandleLine; a worker thread runs sends and `contacts`
// in the order typed (so the UI never blocks on the device or the relay, and retries do
// not freeze typing); the receiver thread long-polls (receiver.h). Each background thread
// has its own device and relay connections.
//
// Quitting (Shutdown): sends already typed are finished (or reported as failed) first, so
// nothing typed is lost; then the receiver is quiesced (receiver.h) and the threads are
// stopped. A long-poll still outstanding is abandoned, never half-processed.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "chat/client/api.h"
#include "chat/client/backoff.h"
#include "chat/client/command.h"
#include "chat/client/groups.h"
#include "chat/client/receiver.h"
#include "chat/client/sender.h"
#include "chat/client/stop_signal.h"

namespace otc::client {

// Where transcript lines go. Thread-safe.
class Output {
 public:
  virtual ~Output() = default;
  virtual void Line(const std::string& line) = 0;
  virtual void ClearScreen() {}
};

struct ChatSessionOptions {
  std::string user;
  std::string device_name;  // for `id`
  std::string relay_name;   // for `id`; also the cursor key on the device
  BackoffPolicy send_backoff;
  BackoffPolicy receive_backoff;
  uint32_t wait_seconds = 25;
};

struct ChatConnections {
  std::unique_ptr<DeviceApi> send_device;
  std::unique_ptr<RelayApi> send_relay;
  std::unique_ptr<DeviceApi> recv_device;
  std::unique_ptr<RelayApi> recv_relay;
};

class ChatSession {
 public:
  ChatSession(ChatSessionOptions options, ChatConnections connections, GroupBook groups,
              Output& out);
  ~ChatSession();

  // Starts the worker and the receiver, and asks the device for the contacts.
  void Start();
  // Runs one typed line. Returns false when the user asked to quit.
  bool HandleLine(std::string_view line);
  // Finishes queued sends, stops the background threads. Idempotent.
  void Shutdown();

  // For tab completion (thread-safe snapshots).
  std::vector<std::string> ContactNames() const;
  std::vector<std::string> GroupNames() const;

  // Waits until every job queued so far has run (tests, `otc send`).
  void Drain();

 private:
  void Enqueue(std::function<void()> job);
  void WorkerLoop();
  void DoSend(std::vector<std::string> to, std::string label, std::string text);
  void DoContacts(bool print);
  // Warns, naming them, about group members the device has no pad with.
  void WarnUnknownMembers(const std::string& group, const std::vector<std::string>& members);
  void Warn(const Warning& w);
  void OnDelivery(Delivery&& d);

  ChatSessionOptions options_;
  ChatConnections conn_;
  Output& out_;

  mutable std::mutex groups_mu_;
  GroupBook groups_;

  mutable std::mutex contacts_mu_;
  std::vector<std::string> contacts_;

  std::unique_ptr<Sender> sender_;
  StopSignal send_stop_;  // the sender's sleeper; sends always finish before quitting

  // The receiver and what it uses are shared with its thread, which may outlive the
  // session if it is stuck in a long-poll at exit (it then touches nothing else).
  struct ReceiverRuntime {
    StopSignal stop;
    std::unique_ptr<DeviceApi> device;
    std::unique_ptr<RelayApi> relay;
    std::unique_ptr<Receiver> receiver;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  std::shared_ptr<ReceiverRuntime> rx_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::function<void()>> queue_;
  bool worker_busy_ = false;
  bool worker_exit_ = false;
  std::thread worker_;
  std::thread receiver_thread_;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace otc::client
