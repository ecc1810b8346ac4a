package dev.eventshop.broker.producer;

/** Hands out producer ids that are unique in the cluster and never reused. */
public interface ProducerIdAllocator {

  long nextProducerId();
}
