#include "adapters/chargebee/chargebee_adapter.h"

int main(int argc, char** argv) {
  return revhub::adapter::RunAdapterMain(revhub::adapter::NewChargebeeAdapter(),
                                         argc, argv);
}
