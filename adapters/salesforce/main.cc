#include "adapters/salesforce/salesforce_adapter.h"

int main(int argc, char** argv) {
  return revhub::adapter::RunAdapterMain(
      revhub::adapter::NewSalesforceAdapter(), argc, argv);
}
