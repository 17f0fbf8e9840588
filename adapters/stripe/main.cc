#include "adapters/stripe/stripe_adapter.h"

int main(int argc, char** argv) {
  return revhub::adapter::RunAdapterMain(revhub::adapter::NewStripeAdapter(),
                                         argc, argv);
}
