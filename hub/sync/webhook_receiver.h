// WebhookReceiver: POST /webhooks/<system> (docs/connectors.md, "Webhooks").
//
// A delivery is authenticated by the system's adapter (VerifyWebhook: the
// signature rules are the vendor's and live in the adapter), then stored
// raw and durable: the delivery (body as received) and the records it
// carries, in one write transaction, before the hub answers 200. A
// redelivery of an event id already stored is answered 200 with
// "duplicate": true and stores nothing; a record key already stored (the
// same object version pulled earlier) is a duplicate record. Thin events
// (pull_object_types) start an incremental pull of those types.
//
// Answers, each with a JSON body {"error": reason} unless 200:
//   200  stored (or a duplicate): {"delivery_id", "record_ids",
//        "new_records", "duplicates", "duplicate"}
//   400  the adapter refused the delivery (signature, staleness, shape);
//        nothing stored
//   404  no such system
//   405  not a POST
//   409  the system is disabled
//   413  the body is over the cap (HttpServer)
//   503  the adapter or the store is not available now: the vendor retries
//        (Retry-After)
//
// Thread-safe.
#ifndef REVHUB_HUB_SYNC_WEBHOOK_RECEIVER_H_
#define REVHUB_HUB_SYNC_WEBHOOK_RECEIVER_H_

#include "hub/adapter_host/adapter_supervisor.h"
#include "hub/http/http_server.h"
#include "hub/store/store.h"
#include "hub/sync/sync_engine.h"

namespace revhub::hub {

class WebhookReceiver {
 public:
  // Not owned; outlive the receiver. `sync` may be null (thin events are
  // then pulled at the next scheduled run).
  WebhookReceiver(Store* store, AdapterSupervisor* adapters, SyncEngine* sync)
      : store_(store), adapters_(adapters), sync_(sync) {}

  // Handles one request; request.rest is the system's name.
  HttpResponse Handle(const HttpRequest& request);

 private:
  Store* const store_;
  AdapterSupervisor* const adapters_;
  SyncEngine* const sync_;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SYNC_WEBHOOK_RECEIVER_H_
