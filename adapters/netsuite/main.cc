#include "adapters/netsuite/netsuite_adapter.h"

int main(int argc, char** argv) {
  return revhub::adapter::RunAdapterMain(revhub::adapter::NewNetSuiteAdapter(),
                                         argc, argv);
}
