#include "hub/web/web_assets.h"

#include "absl/strings/match.h"

namespace revhub::hub::web {

const EmbeddedFile* FindEmbeddedFile(absl::string_view path) {
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (path == kEmbeddedFiles[i].path) return &kEmbeddedFiles[i];
  }
  return nullptr;
}

std::string ContentTypeOf(absl::string_view path) {
  if (absl::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(path, ".svg")) return "image/svg+xml";
  if (absl::EndsWith(path, ".json")) return "application/json";
  return "application/octet-stream";
}

HttpResponse ServeWebAsset(const HttpRequest& request) {
  const std::string path = request.path == "/" ? "/index.html" : request.path;
  const EmbeddedFile* file = FindEmbeddedFile(path);
  if (file == nullptr)
    return HttpError(404, "path: " + request.path + " is not served here");
  HttpResponse r;
  r.content_type = ContentTypeOf(path);
  r.body.assign(reinterpret_cast<const char*>(file->data), file->size);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self'; "
      "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
  return r;
}

}  // namespace revhub::hub::web
