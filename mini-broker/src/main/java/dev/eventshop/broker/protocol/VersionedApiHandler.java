package dev.eventshop.broker.protocol;

import java.util.Objects;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * An {@link ApiHandler} whose API and version range are fixed: the subclass states them once, in
 * its {@code super(...)} call. Guarantees {@code 0 <= minVersion() <= maxVersion()}.
 *
 * @param <R> the request type this handler parses
 */
public abstract class VersionedApiHandler<R extends AbstractRequest> implements ApiHandler<R> {

  private final ApiKeys apiKey;
  private final short minVersion;
  private final short maxVersion;

  /**
   * The range is the versions whose semantics the subclass fully implements, both ends included.
   *
   * @throws IllegalArgumentException unless {@code 0 <= minVersion <= maxVersion <= 32767}
   */
  protected VersionedApiHandler(ApiKeys apiKey, int minVersion, int maxVersion) {
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    if (minVersion < 0 || minVersion > maxVersion || maxVersion > Short.MAX_VALUE) {
      throw new IllegalArgumentException(
          apiKey + ": versions " + minVersion + "-" + maxVersion + " are not a range");
    }
    this.minVersion = (short) minVersion;
    this.maxVersion = (short) maxVersion;
  }

  @Override
  public final ApiKeys apiKey() {
    return apiKey;
  }

  @Override
  public final short minVersion() {
    return minVersion;
  }

  @Override
  public final short maxVersion() {
    return maxVersion;
  }
}
