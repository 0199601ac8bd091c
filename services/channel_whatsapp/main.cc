#include "channel_whatsapp/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  return teksin::channel_whatsapp::Run();
}
