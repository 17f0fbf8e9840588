// CustomerService, ProductService, ContractService, InvoiceService and
// PaymentService: the same three calls over the generic entity operations.
#include "hub/api/services.h"
#include "hub/entities/entity_ops.h"
#include "revhub/hub/v1/contract_service.grpc.pb.h"
#include "revhub/hub/v1/customer_service.grpc.pb.h"
#include "revhub/hub/v1/invoice_service.grpc.pb.h"
#include "revhub/hub/v1/payment_service.grpc.pb.h"
#include "revhub/hub/v1/product_service.grpc.pb.h"

namespace revhub::hub {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

// Defines <Entity>ServiceImpl for one entity: `plural` names the List call,
// `field` the entity's field in requests and responses.
#define REVHUB_ENTITY_SERVICE(Entity, Plural, field)                        \
  class Entity##ServiceImpl final                                           \
      : public hub::v1::Entity##Service::CallbackService {                  \
   public:                                                                  \
    explicit Entity##ServiceImpl(HubContext* hub) : hub_(hub) {}            \
                                                                            \
    /* Entity##Service: */                                                  \
    ServerUnaryReactor* Get##Entity(                                        \
        CallbackServerContext* context,                                     \
        const hub::v1::Get##Entity##Request* req,                           \
        hub::v1::Get##Entity##Response* resp) override {                    \
      return RunUnary(hub_, context, [this, req, resp] {                    \
        return GetEntity(*hub_->store, *req, resp->mutable_##field());      \
      });                                                                   \
    }                                                                       \
    ServerUnaryReactor* List##Plural(                                       \
        CallbackServerContext* context,                                     \
        const hub::v1::List##Plural##Request* req,                          \
        hub::v1::List##Plural##Response* resp) override {                   \
      return RunUnary(hub_, context, [this, req, resp] {                    \
        return ListEntities<canonical::v1::Entity>(                         \
            *hub_->store, *req, resp->mutable_##field##s(),                 \
            resp->mutable_next_page_token());                               \
      });                                                                   \
    }                                                                       \
    ServerUnaryReactor* Upsert##Entity(                                     \
        CallbackServerContext* context,                                     \
        const hub::v1::Upsert##Entity##Request* req,                        \
        hub::v1::Upsert##Entity##Response* resp) override {                 \
      ChangeContext change{PrincipalOf(context)};                           \
      return RunUnary(hub_, context, [this, req, resp, change] {            \
        return UpsertEntity(*hub_->store, *req, req->field(), change, resp, \
                            [](hub::v1::Upsert##Entity##Response* r) {      \
                              return r->mutable_##field();                  \
                            });                                             \
      });                                                                   \
    }                                                                       \
                                                                            \
   private:                                                                 \
    HubContext* hub_;                                                       \
  }

REVHUB_ENTITY_SERVICE(Customer, Customers, customer);
REVHUB_ENTITY_SERVICE(Product, Products, product);
REVHUB_ENTITY_SERVICE(Contract, Contracts, contract);
REVHUB_ENTITY_SERVICE(Invoice, Invoices, invoice);
REVHUB_ENTITY_SERVICE(Payment, Payments, payment);

#undef REVHUB_ENTITY_SERVICE

}  // namespace

std::unique_ptr<grpc::Service> NewCustomerService(HubContext* hub) {
  return std::make_unique<CustomerServiceImpl>(hub);
}
std::unique_ptr<grpc::Service> NewProductService(HubContext* hub) {
  return std::make_unique<ProductServiceImpl>(hub);
}
std::unique_ptr<grpc::Service> NewContractService(HubContext* hub) {
  return std::make_unique<ContractServiceImpl>(hub);
}
std::unique_ptr<grpc::Service> NewInvoiceService(HubContext* hub) {
  return std::make_unique<InvoiceServiceImpl>(hub);
}
std::unique_ptr<grpc::Service> NewPaymentService(HubContext* hub) {
  return std::make_unique<PaymentServiceImpl>(hub);
}

}  // namespace revhub::hub
