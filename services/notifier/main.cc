#include "notifier/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  return teksin::notifier::Run();
}
