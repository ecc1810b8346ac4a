package dev.eventshop.support.ids;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Version 7 UUIDs (RFC 9562): the first 48 bits are the Unix time in milliseconds, the remaining 74
 * bits after the version and variant are random. The shop's order ids, event ids and row ids are
 * primary and index keys in the services' H2 databases; random (version 4) keys scatter each batch
 * of inserts over the whole of a B-tree, and H2 rewrites every page it touched at the next store.
 * Keys that grow with time land in the last pages, so a store writes a few pages per index instead
 * of most of them (docs/decisions.md, decision 17). The 74 random bits keep the ids unguessable.
 */
public final class TimeOrderedIds {

  private static final SecureRandom RANDOM = new SecureRandom();

  private TimeOrderedIds() {}

  /** A new version 7 UUID for the current time. */
  public static UUID next() {
    return at(System.currentTimeMillis());
  }

  static UUID at(long unixMillis) {
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    long high =
        (unixMillis & 0xFFFF_FFFF_FFFFL) << 16
            | 0x7000L
            | (random[0] & 0x0FL) << 8
            | random[1] & 0xFFL;
    long low = 0;
    for (int i = 2; i < 10; i++) {
      low = low << 8 | (random[i] & 0xFFL);
    }
    low = low & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }
}
