#pragma once

namespace teksin::routing {
int Run();
}  // namespace teksin::routing
