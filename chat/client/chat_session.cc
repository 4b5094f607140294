#include "chat/client/chat_session.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "chat/client/transcript.h"
#include "chat/protocol/pad_left.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

ChatSession::ChatSession(ChatSessionOptions options, ChatConnections connections, GroupBook groups,
                         Output& out)
    : options_(std::move(options)),
      conn_(std::move(connections)),
      out_(out),
      groups_(std::move(groups)) {
  sender_ = std::make_unique<Sender>(*conn_.send_device, *conn_.send_relay, options_.user,
                                     options_.send_backoff, send_stop_.AsSleeper());
  sender_->SetRetryObserver([this](const Warning& w) {
    if (!quiet_retries_) Warn(w);
  });
  if (!options_.outbox_path.empty()) {
    outbox_ = std::make_unique<Outbox>(*Env::Default(), options_.outbox_path);
    sender_->SetOutbox(outbox_.get(), std::chrono::seconds(60));
    sender_->SetFlushObserver([this](const FlushReport& r) { OnFlushed(r); });
  }
  rx_ = std::make_shared<ReceiverRuntime>();
  rx_->device = std::move(conn_.recv_device);
  rx_->relay = std::move(conn_.recv_relay);
  ReceiverOptions ro;
  ro.user = options_.user;
  ro.relay_key = options_.relay_name;
  ro.wait_seconds = options_.wait_seconds;
  ro.backoff = options_.receive_backoff;
  ReceiverSink sink;
  sink.on_delivery = [this](Delivery&& d) { OnDelivery(std::move(d)); };
  sink.on_warning = [this](const Warning& w) { Warn(w); };
  rx_->receiver =
      std::make_unique<Receiver>(*rx_->device, *rx_->relay, ro, sink, rx_->stop.AsSleeper());
}

ChatSession::~ChatSession() { Shutdown(); }

void ChatSession::Start() {
  if (started_) return;
  started_ = true;
  worker_ = std::thread([this] { WorkerLoop(); });
  if (outbox_) {
    retry_thread_ = std::thread([this] { RetryLoop(); });
    Enqueue([this] { DoFlush(); });  // what an earlier otc left queued
  }
  receiver_thread_ = std::thread([rx = rx_] {
    rx->receiver->Run(rx->stop.flag());
    std::lock_guard<std::mutex> lock(rx->mu);
    rx->done = true;
    rx->cv.notify_all();
  });
  Enqueue([this] { DoContacts(false); });
}

void ChatSession::Shutdown() {
  if (!started_ || shut_down_) return;
  shut_down_ = true;
  retry_stop_.Stop();
  retry_cv_.notify_all();
  if (retry_thread_.joinable()) retry_thread_.join();
  Drain();  // typed sends finish (or are reported, or stay queued) before we go
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    worker_exit_ = true;
  }
  queue_cv_.notify_all();
  worker_.join();
  if (still_queued_ > 0) {
    out_.Line("~~ " + std::to_string(still_queued_) + " message(s) still queued for the relay in " +
              outbox_->path() + ": the next otc command, or otc flush, sends them");
  }
  rx_->stop.Stop();
  rx_->relay->Interrupt();
  // The receiver is either in a long-poll (abandoned: nothing fetched after the stop is
  // processed) or finishing one message, which Quiesce waits for. After it, the receiver
  // calls nothing of this session again.
  rx_->receiver->Quiesce();
  std::unique_lock<std::mutex> lock(rx_->mu);
  if (rx_->cv.wait_for(lock, std::chrono::milliseconds(200), [this] { return rx_->done; })) {
    lock.unlock();
    receiver_thread_.join();
  } else {
    lock.unlock();
    receiver_thread_.detach();  // still in a long-poll; it owns a reference to rx_
  }
}

void ChatSession::Enqueue(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_all();
}

void ChatSession::Drain() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  queue_cv_.wait(lock, [this] { return (queue_.empty() && !worker_busy_) || !started_; });
}

void ChatSession::WorkerLoop() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [this] { return !queue_.empty() || worker_exit_; });
    if (queue_.empty()) return;
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    worker_busy_ = true;
    lock.unlock();
    job();
    lock.lock();
    worker_busy_ = false;
    queue_cv_.notify_all();
  }
}

void ChatSession::Warn(const Warning& w) { out_.Line(FormatWarning(w, std::time(nullptr))); }

void ChatSession::OnDelivery(Delivery&& d) {
  for (const Warning& w : d.warnings) Warn(w);
  if (d.already_read) out_.Line(FormatAlreadyRead(d.from, d.time));
  if (d.text) {
    out_.Line(FormatIncoming(d.from, *d.text, d.time, d.sent_ms));
    Wipe({reinterpret_cast<uint8_t*>(d.text->data()), d.text->size()});
  }
}

void ChatSession::WarnUnknownMembers(const std::string& group,
                                     const std::vector<std::string>& members) {
  Result<std::vector<ContactInfo>> c = conn_.send_device->Contacts();
  if (!c.ok()) return;  // the device is away: sends will say so
  std::vector<std::string> unknown;
  for (const std::string& m : members) {
    if (m == options_.user) continue;  // group sends skip the sender
    bool known =
        std::any_of(c->begin(), c->end(), [&](const ContactInfo& i) { return i.peer == m; });
    if (!known) unknown.push_back(m);
  }
  if (unknown.empty()) return;
  out_.Line("!! group " + group +
            ": not contacts on your device (no pad shared, sends to them "
            "will fail): " +
            Join(unknown, ", "));
}

void ChatSession::DoContacts(bool print) {
  Result<std::vector<ContactInfo>> c = conn_.send_device->Contacts();
  if (!c.ok()) {
    if (print)
      out_.Line(FormatWarning({WarningKind::kDeviceUnreachable, "", c.status().message()},
                              std::time(nullptr)));
    return;
  }
  std::vector<std::string> names;
  for (const ContactInfo& i : *c) names.push_back(i.peer);
  {
    std::lock_guard<std::mutex> lock(contacts_mu_);
    contacts_ = names;
  }
  if (!print) return;
  if (c->empty()) {
    out_.Line("no contacts on the device");
    return;
  }
  for (const ContactInfo& i : *c) {
    // The device's figures, worded as padstore status and otc contacts word them.
    protocol::PadLeft left{i.pad_left, i.pad_total, i.messages_left};
    out_.Line("  " + i.peer + "  " + std::string(FormatName(i.format)) + "  " +
              protocol::FormatPadLeft(left));
  }
}

void ChatSession::DoSend(std::vector<std::string> to, std::string label, std::string text) {
  std::vector<SendOutcome> outcomes = sender_->SendMany(to, text);
  std::vector<std::string> sent;
  for (const SendOutcome& o : outcomes) {
    for (const Warning& w : o.warnings) Warn(w);
    if (o.status.ok()) {
      sent.push_back(o.to);
    } else if (o.queued && !o.outbox_failed) {
      // Kept on disk: shown as sent once the relay takes it.
      queued_lines_[o.outbox_id] = FormatOutgoing(options_.user, o.to, text, std::time(nullptr));
      out_.Line("~~ queued for " + o.to + " (" + o.status.message() +
                "): retrying in the background");
      NeedRetry(true, true);
    } else {
      std::string why = o.status.message();
      if (o.pad_spent) why += "; its pad is used up";
      Warn({WarningKind::kSendFailed, o.to, why + "; your message was: " + text});
    }
  }
  if (!sent.empty()) {
    std::string target = Join(sent, ",");
    if (!label.empty()) target = label + " (" + target + ")";
    out_.Line(FormatOutgoing(options_.user, target, text, std::time(nullptr)));
  }
  Wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
}

void ChatSession::OnFlushed(const FlushReport& r) {
  if (!r.damage.empty()) out_.Line("!! " + r.damage);
  for (const FlushReport::Left& l : r.left) {
    auto it = queued_lines_.find(l.entry.id);
    std::string line = it != queued_lines_.end() ? it->second : "";
    if (it != queued_lines_.end()) {
      Wipe({reinterpret_cast<uint8_t*>(it->second.data()), it->second.size()});
      queued_lines_.erase(it);
    }
    if (!l.status.ok()) {
      Warn({WarningKind::kSendFailed, l.entry.to, l.status.message() + "; its pad is used up"});
    } else if (!line.empty()) {
      out_.Line(line + "  (sent after being queued)");
    } else {
      out_.Line("~~ a message queued earlier was sent to " + l.entry.to);
    }
  }
}

void ChatSession::DoFlush() {
  quiet_retries_ = true;
  FlushReport r = sender_->Flush(1);
  quiet_retries_ = false;
  OnFlushed(r);
  if (!r.outbox.ok()) {
    out_.Line("!! outbox: " + r.outbox.message());
    // Another otc holding it is sending the same queue; anything else stopped the outbox.
    NeedRetry(r.outbox.code() == Status::Code::kBusy);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(retry_mu_);
    still_queued_ = r.still_queued;
  }
  NeedRetry(r.still_queued > 0);
}

void ChatSession::NeedRetry(bool need, bool fresh) {
  {
    std::lock_guard<std::mutex> lock(retry_mu_);
    retry_needed_ = need;
    retry_fresh_ = retry_fresh_ || fresh;
    if (need) still_queued_ = std::max<size_t>(still_queued_, 1);
  }
  retry_cv_.notify_all();
}

void ChatSession::RetryLoop() {
  Backoff backoff(options_.outbox_retry);
  while (!retry_stop_.stopped()) {
    {
      std::unique_lock<std::mutex> lock(retry_mu_);
      retry_cv_.wait(lock, [this] { return retry_needed_ || retry_stop_.stopped(); });
      if (retry_stop_.stopped()) return;
      retry_needed_ = false;  // DoFlush sets it again if anything is left
      if (retry_fresh_) backoff.Reset();
      retry_fresh_ = false;
    }
    if (!retry_stop_.Sleep(backoff.Next())) return;
    bool waiting;
    {
      std::lock_guard<std::mutex> lock(retry_mu_);
      waiting = still_queued_ > 0;
    }
    if (!waiting) continue;
    Enqueue([this] { DoFlush(); });
  }
}

bool ChatSession::HandleLine(std::string_view line) {
  Result<Command> parsed = ParseCommand(line);
  if (!parsed.ok()) {
    out_.Line(parsed.status().message());
    return true;
  }
  bool keep_going = true;
  std::visit(Overloaded{
                 [](const EmptyCommand&) {},
                 [&](const SendCommand& c) { Enqueue([this, c] { DoSend(c.to, "", c.text); }); },
                 [&](const GroupSendCommand& c) {
                   std::optional<std::vector<std::string>> members;
                   {
                     std::lock_guard<std::mutex> lock(groups_mu_);
                     members = groups_.Members(c.group);
                   }
                   if (!members) {
                     out_.Line("no group named '" + c.group + "': define it with group " + c.group +
                               " USER1,USER2,...");
                     return;
                   }
                   Enqueue([this, c, m = *members] { DoSend(m, c.group, c.text); });
                 },
                 [&](const GroupDefineCommand& c) {
                   std::lock_guard<std::mutex> lock(groups_mu_);
                   if (c.name.empty()) {
                     if (groups_.groups().empty())
                       out_.Line("no groups: group NAME USER1,USER2,...");
                     for (const auto& [name, members] : groups_.groups()) {
                       out_.Line("  " + name + ": " + Join(members, ","));
                     }
                   } else if (c.members.empty()) {
                     auto m = groups_.Members(c.name);
                     out_.Line(m ? "  " + c.name + ": " + Join(*m, ",")
                                 : "no group named '" + c.name + "'");
                   } else {
                     Status s = groups_.Define(c.name, c.members);
                     out_.Line(s.ok() ? "group " + c.name + " = " + Join(c.members, ",")
                                      : "group not saved: " + s.message());
                     if (s.ok()) Enqueue([this, c] { WarnUnknownMembers(c.name, c.members); });
                   }
                 },
                 [&](const UngroupCommand& c) {
                   std::lock_guard<std::mutex> lock(groups_mu_);
                   Status s = groups_.Remove(c.name);
                   out_.Line(s.ok() ? "group " + c.name + " removed" : s.message());
                 },
                 [&](const IdCommand&) {
                   out_.Line("user " + options_.user + ", device " + options_.device_name +
                             ", relay " + options_.relay_name);
                 },
                 [&](const HelpCommand&) {
                   std::string help = HelpText();
                   size_t pos = 0;
                   while (pos < help.size()) {
                     size_t nl = help.find('\n', pos);
                     out_.Line(help.substr(pos, nl - pos));
                     pos = nl + 1;
                   }
                 },
                 [&](const ClearCommand&) { out_.ClearScreen(); },
                 [&](const QuitCommand&) { keep_going = false; },
                 [&](const ContactsCommand&) { Enqueue([this] { DoContacts(true); }); },
             },
             *parsed);
  return keep_going;
}

std::vector<std::string> ChatSession::ContactNames() const {
  std::lock_guard<std::mutex> lock(contacts_mu_);
  return contacts_;
}

std::vector<std::string> ChatSession::GroupNames() const {
  std::lock_guard<std::mutex> lock(groups_mu_);
  return groups_.Names();
}

}  // namespace otc::client
