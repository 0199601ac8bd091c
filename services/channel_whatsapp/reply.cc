#include "channel_whatsapp/reply.h"

#include <fstream>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>

#include "common/log.h"

namespace teksin::channel_whatsapp {

nlohmann::json CloudApiBody(const std::string& to, const Reply& reply) {
  nlohmann::json body = {{"messaging_product", "whatsapp"},
                         {"recipient_type", "individual"},
                         {"to", to}};
  if (reply.kind == Reply::Kind::kText) {
    body["type"] = "text";
    body["text"] = {{"preview_url", false}, {"body", reply.body}};
    return body;
  }
  nlohmann::json sections = nlohmann::json::array();
  for (const auto& s : reply.sections) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : s.rows) {
      nlohmann::json row = {{"id", r.id}, {"title", r.title}};
      if (!r.description.empty()) row["description"] = r.description;
      rows.push_back(std::move(row));
    }
    nlohmann::json section = {{"rows", std::move(rows)}};
    if (!s.title.empty()) section["title"] = s.title;
    sections.push_back(std::move(section));
  }
  nlohmann::json interactive = {{"type", "list"},
                                {"body", {{"text", reply.body}}},
                                {"action", {{"button", reply.button}, {"sections", sections}}}};
  if (!reply.footer.empty()) interactive["footer"] = {{"text", reply.footer}};
  body["type"] = "interactive";
  body["interactive"] = std::move(interactive);
  return body;
}

ReplyDispatcher::ReplyDispatcher(ReplySender& sender, metrics::Registry& registry,
                                 DispatcherOptions options)
    : sender_(sender), options_(options) {
  sent_ = &registry.AddCounter("teksin_channel_whatsapp_replies_sent_total",
                               "Replies the Cloud API accepted").With({});
  failed_ = &registry.AddCounter("teksin_channel_whatsapp_replies_failed_total",
                                 "Replies given up on (after retries, or the queue was full)")
                .With({});
  retried_ = &registry.AddCounter("teksin_channel_whatsapp_reply_retries_total",
                                  "Reply attempts repeated after a retryable failure")
                 .With({});
  for (int i = 0; i < options_.workers; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    Shard* shard = shards_.back().get();
    shard->thread = std::thread([this, shard] { Work(*shard); });
  }
}

ReplyDispatcher::~ReplyDispatcher() { Stop(); }

void ReplyDispatcher::Dispatch(OutgoingReply reply) {
  if (shards_.empty()) {
    SendWithRetries(reply);
    return;
  }
  Shard& shard = *shards_[std::hash<std::string>{}(reply.citizen_key) % shards_.size()];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (!shard.stopping && shard.queue.size() < options_.max_queue) {
      shard.queue.push_back(std::move(reply));
      shard.cv.notify_one();
      return;
    }
  }
  failed_->Inc();
  common::LogError("reply dropped: the send queue is full or stopping",
                   {{"citizen_key", reply.citizen_key}});
}

void ReplyDispatcher::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    shard->stopping = true;
    shard->cv.notify_all();
  }
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
  }
}

void ReplyDispatcher::Work(Shard& shard) {
  std::optional<std::chrono::steady_clock::time_point> drain_until;
  for (;;) {
    OutgoingReply r;
    {
      std::unique_lock<std::mutex> lock(shard.mu);
      shard.cv.wait(lock, [&] { return shard.stopping || !shard.queue.empty(); });
      if (shard.stopping && !drain_until) {
        drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      }
      if (shard.queue.empty()) return;
      if (drain_until && std::chrono::steady_clock::now() > *drain_until) {
        failed_->Inc(static_cast<double>(shard.queue.size()));
        common::LogError("replies not sent at shutdown", {{"count", shard.queue.size()}});
        shard.queue.clear();
        return;
      }
      r = std::move(shard.queue.front());
      shard.queue.pop_front();
    }
    SendWithRetries(r);
  }
}

void ReplyDispatcher::SendWithRetries(const OutgoingReply& reply) {
  absl::Status s;
  for (int attempt = 1; attempt <= std::max(1, options_.attempts); ++attempt) {
    s = sender_.Send(reply);
    if (s.ok()) {
      sent_->Inc();
      return;
    }
    if (!absl::IsUnavailable(s) || attempt == options_.attempts) break;
    retried_->Inc();
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.backoff_ms * attempt));
  }
  failed_->Inc();
  common::LogError("reply not sent", {{"citizen_key", reply.citizen_key}, {"error", s.ToString()}});
}

absl::Status FileReplySender::Send(const OutgoingReply& reply) {
  const std::string& to = reply.to;
  std::string masked = to.size() <= 8 ? std::string(to.size(), '*')
                                      : to.substr(0, 6) + std::string(to.size() - 8, '*') +
                                            to.substr(to.size() - 2);
  nlohmann::json body = CloudApiBody(to, reply.reply);
  body.erase("to");
  nlohmann::json line = {{"phone_number_id", reply.phone_number_id},
                         {"to", masked},
                         {"citizen_key", reply.citizen_key},
                         {"body", body}};
  std::lock_guard<std::mutex> lock(mu_);
  std::ofstream out(path_, std::ios::app);
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  out.flush();
  if (!out) return absl::UnavailableError("cannot write the reply file " + path_);
  return absl::OkStatus();
}

}  // namespace teksin::channel_whatsapp
