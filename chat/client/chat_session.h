// The interactive chat, independent of the terminal: runs typed commands, sends in the
// background, receives in the background, and writes every transcript line to an Output.
//
// Threads: the caller's thread calls HandleLine; a worker thread runs sends and `contacts`
// in the order typed (so the UI never blocks on the device or the relay, and retries do
// not freeze typing); the receiver thread long-polls (receiver.h). Each background thread
// has its own device and relay connections.
//
// With an outbox (ChatSessionOptions::outbox_path, outbox.h) every message is queued on
// disk before it is sent. One the relay does not take after the retries is shown as queued
// (one line); a retry thread then asks the worker, with backoff, to send the queue again,
// and the message is shown as sent when the relay acknowledges it. Messages queued by an
// earlier otc are sent when the session starts.
//
// Quitting (Shutdown): sends already typed are finished (or reported as failed, or left
// queued in the outbox, which is said) first, so nothing typed is lost; then the receiver is
// quiesced (receiver.h) and the threads are stopped. A long-poll still outstanding is abandoned,
// never half-processed.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
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
  std::string outbox_path;  // empty: no outbox (a message the relay does not take is lost)
  // Delays between background passes over the outbox while messages wait in it.
  BackoffPolicy outbox_retry{std::chrono::milliseconds(500), std::chrono::seconds(30), 0};
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
  // One pass over the outbox (worker thread); wakes the retry thread if anything is left.
  void DoFlush();
  void OnFlushed(const FlushReport& r);
  void RetryLoop();
  // `fresh`: a newly queued message, so the backoff starts again from its shortest delay.
  void NeedRetry(bool need, bool fresh = false);
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

  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Sender> sender_;
  // Worker thread only: the transcript line to show when a queued entry is acknowledged,
  // and whether retry warnings are shown (not during background passes).
  std::map<uint64_t, std::string> queued_lines_;
  bool quiet_retries_ = false;
  // The retry thread: sleeps with backoff while `retry_needed_`, then enqueues DoFlush.
  std::mutex retry_mu_;
  std::condition_variable retry_cv_;
  bool retry_needed_ = false;
  bool retry_fresh_ = false;
  size_t still_queued_ = 0;
  StopSignal retry_stop_;
  std::thread retry_thread_;
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
