// The control-tower page's files (hub/web/assets), compiled into revhubd so
// the page needs no build step, no CDN and no files beside the binary;
// cmake/EmbedFiles.cmake writes the table at build time.
//
// ServeWebAsset answers GET / (index.html) and GET /<file> with the file,
// its content type, no caching across hub versions, and headers that keep
// the page to its own origin (Content-Security-Policy 'self', no framing,
// no MIME sniffing); 404 for anything else.
//
// Thread-safe: the table is immutable.
#ifndef REVHUB_HUB_WEB_WEB_ASSETS_H_
#define REVHUB_HUB_WEB_WEB_ASSETS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "hub/http/http_server.h"

namespace revhub::hub::web {

struct EmbeddedFile {
  const char* path;  // "/index.html"
  const unsigned char* data;
  size_t size;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

// Returns the embedded file at `path` ("/app.js"), or null.
const EmbeddedFile* FindEmbeddedFile(absl::string_view path);

// The Content-Type of a file by its extension.
std::string ContentTypeOf(absl::string_view path);

HttpResponse ServeWebAsset(const HttpRequest& request);

}  // namespace revhub::hub::web

#endif  // REVHUB_HUB_WEB_WEB_ASSETS_H_
