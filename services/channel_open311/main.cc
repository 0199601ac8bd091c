#include "channel_open311/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  return teksin::channel_open311::Run();
}
