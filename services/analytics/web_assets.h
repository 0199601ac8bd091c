// The dashboard's static files (services/analytics/web), embedded at build time: path -> content.
#pragma once

#include <map>
#include <string>

namespace teksin::analytics {
const std::map<std::string, std::string>& WebAssets();
}  // namespace teksin::analytics
