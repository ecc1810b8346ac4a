package dev.eventshop.shop.e2e;

/** The shop's scenarios on mini-broker, one node started in the test JVM. */
class ShopOnMiniBrokerIT extends ShopScenarios {

  @Override
  protected ShopBroker startBroker() {
    return ShopBroker.miniBroker();
  }
}
