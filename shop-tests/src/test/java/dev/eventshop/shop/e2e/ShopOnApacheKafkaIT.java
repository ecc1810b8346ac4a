package dev.eventshop.shop.e2e;

/** The shop's scenarios on Apache Kafka, one KRaft node started in the test JVM. */
class ShopOnApacheKafkaIT extends ShopScenarios {

  @Override
  protected ShopBroker startBroker() {
    return ShopBroker.apacheKafka();
  }
}
