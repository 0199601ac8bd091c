#pragma once

namespace teksin::channel_callcenter {
int Run();
}  // namespace teksin::channel_callcenter
