#include "support/suite_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace teksin::testing {

Infra LoadInfra() {
  Infra infra;
  std::ifstream in(TEKSIN_INFRA_ENV);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "TEKSIN_KAFKA_BROKERS") infra.kafka_brokers = v;
    if (k == "TEKSIN_REDIS_URL") infra.redis_url = v;
  }
  if (infra.kafka_brokers.empty() || infra.redis_url.empty()) {
    ADD_FAILURE() << "no infra at " << TEKSIN_INFRA_ENV
                  << ": run through ctest so the 'infra' fixture starts Kafka and Redis";
  }
  return infra;
}

absl::StatusOr<std::unique_ptr<redis::RedisClient>> ConnectRedis(const Infra& infra,
                                                               metrics::Registry* registry,
                                                               const std::string& name) {
  redis::RedisConfig rc;
  rc.url = infra.redis_url;
  return redis::RedisClient::Create(rc, registry, name);
}

std::string UniquePrefix(const std::string& test) {
  std::random_device rd;
  return absl::StrCat("t", test, std::to_string(rd() % 1000000));
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

ServiceProcess::ServiceProcess(std::string name, std::string binary,
                               std::map<std::string, std::string> env, std::string log_path)
    : name_(std::move(name)), binary_(std::move(binary)), log_path_(std::move(log_path)),
      env_(std::move(env)) {}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0 && Running()) Stop(std::chrono::seconds(15));
}

void ServiceProcess::Start() {
  std::vector<std::string> envs;
  for (const auto& [k, v] : env_) envs.push_back(k + "=" + v);
  envs.push_back("PATH=/usr/bin:/bin");
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> envp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* argv[] = {binary_.data(), nullptr};
    execve(binary_.c_str(), argv, envp.data());
    _exit(127);
  }
  pid_ = pid;
}

int ServiceProcess::Stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << name_ << " did not stop within " << timeout.count() << " s after SIGTERM";
  Kill();
  return -1;
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool ServiceProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string ServiceProcess::LogTail(size_t bytes) const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

bool WaitUntil(const std::function<bool()>& cond, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

nlohmann::json HttpAnswer::Json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

namespace {
HttpAnswer From(const httplib::Result& r) {
  HttpAnswer a;
  if (r) {
    a.status = r->status;
    a.body = r->body;
  }
  return a;
}
}  // namespace

HttpAnswer HttpGet(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(10, 0);
  return From(cli.Get(path));
}

HttpAnswer HttpPostForm(int port, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& form) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(30, 0);
  httplib::Params p;
  for (const auto& [k, v] : form) p.emplace(k, v);
  return From(cli.Post(path, p));
}

HttpAnswer HttpPost(int port, const std::string& path, const std::string& body,
                    const std::string& content_type) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(30, 0);
  return From(cli.Post(path, body, content_type));
}

int64_t JsonInt(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key)) return 0;
  const auto& v = j[key];
  if (v.is_number()) return v.get<int64_t>();
  int64_t n = 0;
  if (v.is_string()) (void)absl::SimpleAtoi(v.get<std::string>(), &n);
  return n;
}

std::string PromtoolCheck(const std::string& metrics_text, bool* ok) {
  char path[] = "/tmp/teksin-metrics-XXXXXX";
  int fd = mkstemp(path);
  (void)!write(fd, metrics_text.data(), metrics_text.size());
  close(fd);
  std::string cmd = absl::StrCat("promtool check metrics < ", path, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p && fgets(buf, sizeof(buf), p)) out += buf;
  int rc = p ? pclose(p) : -1;
  unlink(path);
  *ok = rc == 0;
  return out;
}

}  // namespace teksin::testing
