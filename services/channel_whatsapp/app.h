#pragma once

namespace teksin::channel_whatsapp {
int Run();
}  // namespace teksin::channel_whatsapp
