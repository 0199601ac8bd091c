// A local stand-in for Meta's WhatsApp Cloud API in e2e tests: records the replies a channel sends.
#pragma once

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::testing {

// Stands in for graph.facebook.com: records every request the channel makes.
class CloudApiRecorder {
 public:
  struct Call {
    std::string path, authorization;
    nlohmann::json body;
  };
  CloudApiRecorder() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back({req.path, req.get_header_value("Authorization"),
                        nlohmann::json::parse(req.body, nullptr, false)});
      res.set_content(R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.out"}]})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~CloudApiRecorder() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  // Replies to one WhatsApp id, in the order received.
  std::vector<Call> To(const std::string& wa_id) {
    std::vector<Call> out;
    for (auto& c : calls()) {
      if (c.body.is_object() && c.body.value("to", "") == wa_id) out.push_back(c);
    }
    return out;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Call> calls_;
};

}  // namespace teksin::testing
