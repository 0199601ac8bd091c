#pragma once

namespace teksin::channel_open311 {
int Run();
}  // namespace teksin::channel_open311
