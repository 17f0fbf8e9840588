// revhub-test-adapter-sources: an adapter, built on the real SDK and run by
// the hub like any other, that says where every field it translates came
// from (CanonicalEntity.sources), so that the pipeline's naming of the
// vendor field in an error can be tested apart from any vendor's mapping.
//
// It translates two object types of a small order system:
//   "account" {"id", "name"}                      -> Customer
//   "order"   {"id", "account", "currency",
//              "items": {"data": [{"id", "quantity", "unit_price"}]}}
//                                                 -> ACTIVE Contract
// and passes every value through as given: checking them is the hub's job.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/sdk/adapter.h"
#include "adapters/sdk/mapping.h"
#include "canonical/status_macros.h"

namespace revhub::adapter {
namespace {

namespace cv1 = ::revhub::canonical::v1;

class FieldSourcesAdapter final : public Adapter {
 public:
  // Adapter
  AdapterInfo Info() const override {
    AdapterInfo info;
    info.name = "field-sources";
    info.vendor = "Order system (tests)";
    info.version = "1.0.0";
    for (const auto& [type, produces] :
         std::vector<std::pair<const char*, EntityType>>{
             {"account", cv1::ENTITY_TYPE_CUSTOMER},
             {"order", cv1::ENTITY_TYPE_CONTRACT}}) {
      InboundObjectType t;
      t.set_object_type(type);
      t.add_produces(produces);
      info.inbound.push_back(t);
    }
    return info;
  }

  absl::Status Translate(const TranslateContext& ctx,
                         TranslationBuilder& out) override {
    ASSIGN_OR_RETURN(Json json, ParseExactJson(ctx.record.payload()));
    Field root(json);
    const std::string& type = ctx.record.object_type();
    if (type == "account") return Account(ctx, root, out);
    if (type == "order") return Order(ctx, root, out);
    return MappingError("object_type",
                        absl::StrCat("\"", type, "\" is not translated"));
  }

 private:
  static absl::Status Account(const TranslateContext& ctx, const Field& root,
                              TranslationBuilder& out) {
    CanonicalEntity e;
    cv1::Customer* c = e.mutable_customer();
    ASSIGN_OR_RETURN(std::string id, root["id"].String());
    ASSIGN_OR_RETURN(std::string name, root["name"].String());
    c->set_name(name);
    *c->add_external_refs() = ctx.Ref("account", id);
    AddSource(&e, "name", root["name"]);
    out.AddEntity(std::move(e));
    return absl::OkStatus();
  }

  static absl::Status Order(const TranslateContext& ctx, const Field& root,
                            TranslationBuilder& out) {
    CanonicalEntity e;
    cv1::Contract* c = e.mutable_contract();
    ASSIGN_OR_RETURN(std::string id, root["id"].String());
    ASSIGN_OR_RETURN(std::string account, root["account"].String());
    ASSIGN_OR_RETURN(std::string currency, CurrencyAt(root["currency"]));
    *c->add_external_refs() = ctx.Ref("order", id);
    c->set_status(cv1::CONTRACT_STATUS_ACTIVE);
    c->set_currency_code(currency);
    AddSource(&e, "customer_id", root["account"]);
    AddSource(&e, "currency_code", root["currency"]);
    ASSIGN_OR_RETURN(std::vector<Field> items,
                     root["items"]["data"].Elements());
    for (size_t i = 0; i < items.size(); ++i) {
      const Field& item = items[i];
      cv1::ContractLine* line = c->add_lines();
      ASSIGN_OR_RETURN(std::string line_id, item["id"].String());
      line->set_line_id(line_id);
      ASSIGN_OR_RETURN(*line->mutable_quantity(), item["quantity"].Number());
      ASSIGN_OR_RETURN(*line->mutable_unit_price(),
                       DecimalMoneyAt(item["unit_price"], currency));
      const std::string path = absl::StrCat("lines[", i, "]");
      AddSource(&e, path, item);
      AddSource(&e, path + ".quantity", item["quantity"]);
      AddSource(&e, path + ".unit_price", item["unit_price"]);
    }
    int index = out.AddEntity(std::move(e));
    out.Link(index, "customer_id", cv1::ENTITY_TYPE_CUSTOMER,
             ctx.Ref("account", account));
    return absl::OkStatus();
  }
};

}  // namespace
}  // namespace revhub::adapter

int main(int argc, char** argv) {
  return revhub::adapter::RunAdapterMain(
      std::make_unique<revhub::adapter::FieldSourcesAdapter>(), argc, argv);
}
