#include "chat/client/app.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

#include "chat/client/chat_session.h"
#include "chat/client/completion.h"
#include "chat/client/device_client.h"
#include "chat/client/endpoint.h"
#include "chat/client/groups.h"
#include "chat/client/history_file.h"
#include "chat/client/names.h"
#include "chat/client/receiver.h"
#include "chat/client/relay_client.h"
#include "chat/client/sender.h"
#include "chat/client/stop_signal.h"
#include "chat/client/terminal.h"
#include "chat/client/transcript.h"
#include "chat/client/utf8.h"
#include "common/encoding.h"
#include "common/http/listen_address.h"
#include "common/secret_buffer.h"

namespace otc::client {

namespace {

void Fail(const std::string& message) { std::fprintf(stderr, "otc: %s\n", message.c_str()); }

// Everything a subcommand needs, resolved and checked.
struct Setup {
  ClientConfig config;
  Endpoint device;
  Endpoint relay;
  std::string token;
  ~Setup() { Wipe({reinterpret_cast<uint8_t*>(token.data()), token.size()}); }

  Result<std::unique_ptr<DeviceApi>> NewDevice() const {
    Result<std::unique_ptr<HttpDeviceClient>> d = HttpDeviceClient::Create(device, token);
    if (!d.ok()) return d.status();
    return std::unique_ptr<DeviceApi>(std::move(*d));
  }
  Result<std::unique_ptr<RelayApi>> NewRelay() const {
    Result<std::unique_ptr<HttpRelayClient>> r = HttpRelayClient::Create(relay);
    if (!r.ok()) return r.status();
    return std::unique_ptr<RelayApi>(std::move(*r));
  }
};

// Resolves config, addresses and token; checks the user against the device's owner (the
// user defaults to the owner). Returns an exit code on failure.
std::variant<int, std::unique_ptr<Setup>> Prepare(const CommonFlags& flags, bool need_device_up) {
  auto setup = std::make_unique<Setup>();
  Result<ClientConfig> config = LoadClientConfig(flags.config_dir, flags.values, ProcessEnv());
  if (!config.ok()) {
    Fail(config.status().message());
    return kExitUsage;
  }
  setup->config = *config;
  if (setup->config.device.empty()) {
    Fail(
        "no device given: pass --device unix:PATH (the socket in your store directory) or set "
        "device = ... in " +
        setup->config.config_dir + "/config");
    return kExitUsage;
  }
  Result<Endpoint> device = ParseEndpoint(setup->config.device, "device");
  Result<Endpoint> relay = ParseEndpoint(setup->config.relay, "relay");
  for (const Status& s : {device.status(), relay.status()}) {
    if (!s.ok()) {
      Fail(s.message());
      return kExitUsage;
    }
  }
  setup->device = *device;
  setup->relay = *relay;
  for (const Endpoint* ep : {&setup->device, &setup->relay}) {
    if (Result<http::ListenAddress> a = http::ParseListenAddress(ConnectAddress(*ep)); !a.ok()) {
      Fail((ep == &setup->device ? "device: " : "relay: ") + a.status().message());
      return kExitUsage;
    }
  }
  if (!setup->config.token_file.empty()) {
    Result<std::string> token = ReadTokenFile(setup->config.token_file);
    if (!token.ok()) {
      Fail(token.status().message());
      return kExitUsage;
    }
    setup->token = std::move(*token);
  } else if (setup->device.kind == Endpoint::Kind::kTcp) {
    Fail("a TCP device needs --token-file (the shared secret the device was started with)");
    return kExitUsage;
  }
  if (!setup->config.user.empty()) {
    if (Status s = CheckUid(setup->config.user); !s.ok()) {
      Fail(s.message());
      return kExitUsage;
    }
  }
  Result<std::unique_ptr<DeviceApi>> dev = setup->NewDevice();
  if (!dev.ok()) {
    Fail(dev.status().message());
    return kExitUsage;
  }
  Result<std::string> owner = (*dev)->Health();
  if (!owner.ok()) {
    if (need_device_up || setup->config.user.empty()) {
      bool down = owner.status().code() == Status::Code::kUnavailable;
      Fail((down ? "cannot reach the device: " : "the device refused: ") +
           owner.status().message() +
           (down && setup->config.user.empty() ? " (and no --user given)" : ""));
      return ExitCodeFor(owner.status(), false);
    }
    Fail("warning: device not reachable yet (" + owner.status().message() + "); will keep trying");
  } else if (setup->config.user.empty()) {
    setup->config.user = *owner;
  } else if (*owner != setup->config.user) {
    Fail("the device at " + setup->device.ToString() + " belongs to '" + *owner + "', not '" +
         setup->config.user + "': check --device and --user");
    return kExitUsage;
  }
  return setup;
}

std::string IsoTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Output that prints plainly to stdout (one line at a time, flushed) and optionally
// copies to the transcript file.
class PrintOutput final : public Output {
 public:
  explicit PrintOutput(TranscriptFile* history) : history_(history) {}
  void Line(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (history_) (void)history_->Append(line);
  }

 private:
  std::mutex mu_;
  TranscriptFile* history_;
};

// Sends every line to the terminal and, when enabled, to the transcript file.
class TeeOutput final : public Output {
 public:
  TeeOutput(Output& screen, TranscriptFile* history) : screen_(screen), history_(history) {}
  void Line(const std::string& line) override {
    screen_.Line(line);
    if (history_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (Status s = history_->Append(line); !s.ok() && !failed_) {
        failed_ = true;
        screen_.Line("!! history file not written: " + s.message());
      }
    }
  }
  void ClearScreen() override { screen_.ClearScreen(); }

 private:
  Output& screen_;
  TranscriptFile* history_;
  std::mutex mu_;
  bool failed_ = false;
};

// A screen that forwards to whatever terminal is attached later.
class LateOutput final : public Output {
 public:
  void Attach(Output* o) {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = o;
    for (const std::string& l : early_) target_->Line(l);
    early_.clear();
  }
  void Line(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_) {
      target_->Line(line);
    } else {
      early_.push_back(line);
    }
  }
  void ClearScreen() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_) target_->ClearScreen();
  }

 private:
  std::mutex mu_;
  Output* target_ = nullptr;
  std::vector<std::string> early_;
};

}  // namespace

int ExitCodeFor(const Status& s, bool from_relay) {
  switch (s.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kUnavailable:
      return kExitUnreachable;
    case Status::Code::kInternal:
      return kExitInternal;
    default:
      return from_relay ? kExitRelayRefused : kExitDeviceRefused;
  }
}

int RunChat(const CommonFlags& flags) {
  BlockTerminalSignals();  // before any thread starts
  auto prepared = Prepare(flags, false);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));

  std::unique_ptr<TranscriptFile> history;
  if (!setup->config.history.empty()) {
    bool tightened = false;
    Result<std::unique_ptr<TranscriptFile>> h =
        TranscriptFile::Open(*Env::Default(), setup->config.history, &tightened);
    if (!h.ok()) {
      Fail(h.status().message());
      return kExitUsage;
    }
    history = std::move(*h);
    if (tightened) Fail("history file " + setup->config.history + " was not 0600; fixed");
  }
  Result<GroupBook> groups = GroupBook::Load(*Env::Default(), setup->config.config_dir + "/groups");
  if (!groups.ok()) {
    Fail(groups.status().message());
    return kExitUsage;
  }

  ChatConnections conn;
  for (auto* d : {&conn.send_device, &conn.recv_device}) {
    auto r = setup->NewDevice();
    if (!r.ok()) {
      Fail(r.status().message());
      return kExitUsage;
    }
    *d = std::move(*r);
  }
  for (auto* d : {&conn.send_relay, &conn.recv_relay}) {
    auto r = setup->NewRelay();
    if (!r.ok()) {
      Fail(r.status().message());
      return kExitUsage;
    }
    *d = std::move(*r);
  }
  ChatSessionOptions so;
  so.user = setup->config.user;
  so.device_name = setup->device.ToString();
  so.relay_name = setup->relay.ToString();

  LateOutput screen;
  TeeOutput out(screen, history.get());
  ChatSession session(so, std::move(conn), std::move(*groups), out);

  Terminal::Callbacks callbacks;
  callbacks.on_line = [&](const std::string& line) { return session.HandleLine(line); };
  callbacks.complete = [&](std::string_view line, size_t start) {
    return CompleteWord(line, start, session.ContactNames(), session.GroupNames());
  };
  Result<std::unique_ptr<Terminal>> term = Terminal::Create(so.user + "> ", callbacks);
  if (!term.ok()) {
    Fail(term.status().message());
    return kExitInternal;
  }
  screen.Attach(term->get());
  out.Line("One Time Chat: you are " + so.user + " (device " + so.device_name + ", relay " +
           so.relay_name + "). Type help for commands." +
           (history ? " History: " + setup->config.history : ""));
  session.Start();
  (*term)->Run();
  out.Line("finishing pending sends...");
  session.Shutdown();
  term->reset();
  std::fflush(stdout);
  // A receiver still in a long-poll is abandoned (it has been quiesced): leave without
  // running destructors that would wait for it.
  std::_Exit(kExitOk);
}

int RunSend(const CommonFlags& flags, const SendFlags& send) {
  Result<std::vector<std::string>> to = ParseUidList(send.to);
  if (!to.ok()) {
    Fail(to.status().message());
    return kExitUsage;
  }
  std::string text;
  if (send.text) {
    text = *send.text;
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    if (text.ends_with("\n")) text.pop_back();
  }
  auto prepared = Prepare(flags, true);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));
  auto device = setup->NewDevice();
  auto relay = setup->NewRelay();
  if (!device.ok() || !relay.ok()) return kExitUsage;

  StopSignal never;
  Sender sender(**device, **relay, setup->config.user, BackoffPolicy{}, never.AsSleeper());
  sender.SetRetryObserver([](const Warning& w) {
    std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
  });
  if (Result<std::vector<ContactInfo>> c = (*device)->Contacts(); c.ok()) {
    std::map<std::string, uint64_t> totals;
    for (const ContactInfo& i : *c) {
      if (i.pad_total > 0) totals[i.peer] = i.pad_total;
    }
    sender.SetPadTotals(std::move(totals));
  }
  int code = kExitOk;
  for (const SendOutcome& o : sender.SendMany(*to, text)) {
    for (const Warning& w : o.warnings) {
      std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
    }
    if (send.json) {
      nlohmann::json j = {{"to", o.to}, {"sent", o.status.ok()}};
      if (o.status.ok()) {
        j["ref"] = o.ref;
        j["index"] = o.index;
        j["pad_left"] = o.pad_left;
      } else {
        j["error"] = std::string(CodeName(o.status.code()));
        j["message"] = o.status.message();
      }
      std::printf("%s\n", j.dump().c_str());
    } else if (o.status.ok()) {
      // The transcript line the interactive client would show.
      std::string line = FormatOutgoing(setup->config.user, o.to, text, std::time(nullptr));
      std::printf("%s\n", line.c_str());
    }
    if (!o.status.ok()) {
      Fail("not sent to " + o.to + ": " + o.status.message() +
           (o.pad_spent ? " (its pad is used up)" : ""));
      bool relay_side = o.pad_spent;
      if (code == kExitOk) code = ExitCodeFor(o.status, relay_side);
    }
  }
  Wipe({reinterpret_cast<uint8_t*>(text.data()), text.size()});
  std::fflush(stdout);
  return code;
}

int RunRecv(const CommonFlags& flags, const RecvFlags& recv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before any thread starts

  auto prepared = Prepare(flags, true);
  if (std::holds_alternative<int>(prepared)) return std::get<int>(prepared);
  std::unique_ptr<Setup> setup = std::move(std::get<std::unique_ptr<Setup>>(prepared));
  auto device = setup->NewDevice();
  auto relay = setup->NewRelay();
  if (!device.ok() || !relay.ok()) return kExitUsage;

  std::mutex out_mu;
  auto print = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mu);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  };

  StopSignal stop;
  std::atomic<int> failures{0};
  std::atomic<bool> gave_up{false};
  BackoffPolicy policy;
  Sleeper sleeper = [&](std::chrono::milliseconds d) {
    if (!recv.follow && ++failures > 2 * policy.attempts) {
      gave_up = true;
      stop.Stop();
      return false;
    }
    return stop.Sleep(d);
  };

  ReceiverOptions ro;
  ro.user = setup->config.user;
  ro.relay_key = setup->relay.ToString();
  ro.wait_seconds = recv.follow ? recv.wait_seconds : 0;
  ro.backoff = policy;
  ReceiverSink sink;
  sink.on_warning = [&](const Warning& w) {
    std::lock_guard<std::mutex> lock(out_mu);
    std::fprintf(stderr, "%s\n", FormatWarning(w, std::time(nullptr)).c_str());
  };
  sink.on_delivery = [&](Delivery&& d) {
    if (recv.json) {
      nlohmann::json j;
      j["from"] = d.from;
      j["ref"] = d.ref;
      j["index"] = d.index ? nlohmann::json(*d.index) : nlohmann::json(nullptr);
      j["time"] = IsoTime(d.time);
      if (!d.text) {
        j["text"] = nullptr;
      } else if (IsValidUtf8(*d.text)) {
        j["text"] = *d.text;
      } else {
        j["text"] = nullptr;
        j["text_b64"] = Base64Encode(AsBytes(*d.text));
      }
      nlohmann::json w = nlohmann::json::array();
      for (const Warning& x : d.warnings) w.push_back(std::string(WarningCode(x.kind)));
      j["warnings"] = w;
      print(j.dump());
    } else {
      for (const Warning& w : d.warnings) print(FormatWarning(w, d.time));
      if (d.text) print(FormatIncoming(d.from, *d.text, d.time));
    }
    if (d.text) Wipe({reinterpret_cast<uint8_t*>(d.text->data()), d.text->size()});
  };
  Receiver receiver(**device, **relay, ro, sink, sleeper);

  if (!recv.follow) {
    if (!receiver.Start(stop.flag())) return kExitUnreachable;
    while (true) {
      int n = receiver.PollOnce(stop.flag());
      if (n < 0) return gave_up ? kExitUnreachable : kExitOk;
      if (n == 0) return kExitOk;
    }
  }

  std::thread worker([&] { receiver.Run(stop.flag()); });
  int sig = 0;
  sigwait(&set, &sig);
  stop.Stop();
  receiver.Quiesce();
  std::fflush(stdout);
  std::_Exit(kExitOk);  // the worker may be inside a long-poll; it has been quiesced
  worker.join();
}

}  // namespace otc::client
