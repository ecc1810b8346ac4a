package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import java.util.List;

/** Brokers with one PLAINTEXT listener, as most metadata tests need them. */
final class Registrations {

  private Registrations() {}

  static RegisterBroker register(int brokerId, String host, int port) {
    return new RegisterBroker(brokerId, plaintext(host, port));
  }

  static BrokerInfo broker(int brokerId, String host, int port, boolean fenced) {
    return new BrokerInfo(brokerId, plaintext(host, port), fenced);
  }

  static List<Endpoint> plaintext(String host, int port) {
    return List.of(new Endpoint("PLAINTEXT", host, port));
  }
}
