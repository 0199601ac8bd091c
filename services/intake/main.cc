#include "intake/app.h"
#include "runtime/runtime.h"

int main() {
  teksin::runtime::BlockShutdownSignals();
  return teksin::intake::Run();
}
