#include "analytics/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  return teksin::analytics::Run();
}
