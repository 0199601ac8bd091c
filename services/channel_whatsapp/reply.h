// What the tip line answers: text and interactive list messages, the Cloud API JSON body for
// them, the sender interface (the real one POSTs to the Graph API, see cloud_api_sender.h), and
// the dispatcher that sends replies off the webhook's request path, retries, logs and counts.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "metrics/registry.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_whatsapp {

struct ListRow {
  std::string id;           // <= 200 characters; comes back in list_reply.id
  std::string title;        // <= 24 characters
  std::string description;  // <= 72 characters, may be empty
};

struct ListSection {
  std::string title;  // <= 24 characters
  std::vector<ListRow> rows;
};

struct Reply {
  enum class Kind { kText, kList };
  Kind kind = Kind::kText;
  std::string body;    // text body (<= 4096) or the list's body (<= 1024)
  std::string button;  // list: the button that opens it (<= 20)
  std::string footer;  // list: optional (<= 60)
  std::vector<ListSection> sections;  // list: at most 10 rows in all

  static Reply Text(std::string body) {
    Reply r;
    r.body = std::move(body);
    return r;
  }
};

// One reply to one citizen. `to` is their WhatsApp id: it lives only in memory while the reply is
// sent and is never logged; logs name the citizen key.
struct OutgoingReply {
  std::string to;
  std::string phone_number_id;  // the business number that sends it
  std::string citizen_key;
  Reply reply;
};

// The Cloud API request body for POST /<version>/<phone_number_id>/messages.
nlohmann::json CloudApiBody(const std::string& to, const Reply& reply);

class ReplySender {
 public:
  virtual ~ReplySender() = default;
  // Sends synchronously. Unavailable for failures worth retrying (network, 429, 5xx), another
  // error for those that are not (4xx).
  virtual absl::Status Send(const OutgoingReply& reply) = 0;
};

// Writes each reply as one JSON line to a file instead of sending it (the local suite, which
// reaches no outside host): the business number, the recipient masked ("905321*****33") and the
// Cloud API body without the recipient.
class FileReplySender : public ReplySender {
 public:
  explicit FileReplySender(std::string path) : path_(std::move(path)) {}
  absl::Status Send(const OutgoingReply& reply) override;

 private:
  std::string path_;
  std::mutex mu_;
};

struct DispatcherOptions {
  int workers = 2;    // 0: send inline in Dispatch (unit tests)
  int attempts = 3;   // tries for a retryable failure
  int backoff_ms = 500;
  size_t max_queue = 10000;
};

// Sends replies on worker threads so the webhook answers Meta at once. Replies to one citizen go
// through one worker (chosen by the citizen key), so they arrive in the order they were made. A
// failure is logged (with the citizen key) and counted; it never affects the case, which Kafka
// already has.
class ReplyDispatcher {
 public:
  ReplyDispatcher(ReplySender& sender, metrics::Registry& registry, DispatcherOptions options);
  ~ReplyDispatcher();  // sends what is queued (up to 5 s), then stops the workers

  void Dispatch(OutgoingReply reply);
  void Stop();

 private:
  struct Shard {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<OutgoingReply> queue;
    bool stopping = false;
    std::thread thread;
  };
  void Work(Shard& shard);
  void SendWithRetries(const OutgoingReply& reply);

  ReplySender& sender_;
  DispatcherOptions options_;
  metrics::Counter* sent_ = nullptr;
  metrics::Counter* failed_ = nullptr;
  metrics::Counter* retried_ = nullptr;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex stop_mu_;
};

}  // namespace teksin::channel_whatsapp
