#pragma once

namespace teksin::analytics {
int Run();
}  // namespace teksin::analytics
