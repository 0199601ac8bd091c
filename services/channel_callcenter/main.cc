#include "channel_callcenter/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  return teksin::channel_callcenter::Run();
}
