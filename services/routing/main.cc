#include <csignal>

#include "routing/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  // SIGHUP asks for the rules file to be checked now; blocked here, before any thread starts, so
  // that only the rules poller takes it (services/routing/app.cc).
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  return teksin::routing::Run();
}
