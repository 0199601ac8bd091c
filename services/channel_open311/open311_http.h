// Open311 GeoReport v2 over HTTP: routes, JSON and XML bodies, the spec's error format.
#pragma once

#include "channel_open311/open311_service.h"

namespace httplib {
class Server;
}

namespace teksin::channel_open311 {

// The parameters of a POST requests body: form-encoded (as the spec says) or a JSON object
// (members as strings or numbers; "attribute" may be an object). InvalidArgument with the reason.
absl::StatusOr<Params> ParseRequestBody(const std::string& content_type, const std::string& body);

// Registers /open311/v2/... on the server.
void RegisterOpen311Routes(httplib::Server& server, Open311Service& service);

}  // namespace teksin::channel_open311
