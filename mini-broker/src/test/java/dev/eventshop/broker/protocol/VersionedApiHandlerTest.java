package dev.eventshop.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.junit.jupiter.api.Test;

class VersionedApiHandlerTest {

  static final class Fixed extends VersionedApiHandler<AbstractRequest> {
    Fixed(ApiKeys key, int minVersion, int maxVersion) {
      super(key, minVersion, maxVersion);
    }

    @Override
    public CompletionStage<ApiMessage> handle(RequestContext context, AbstractRequest request) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void advertisesTheVersionsStatedAtConstruction() {
    ApiHandler<?> handler = new Fixed(ApiKeys.FETCH, 4, 15);

    assertThat(handler.apiKey()).isEqualTo(ApiKeys.FETCH);
    assertThat(handler.minVersion()).isEqualTo((short) 4);
    assertThat(handler.maxVersion()).isEqualTo((short) 15);
  }

  @Test
  void aSingleVersionIsARange() {
    ApiHandler<?> handler = new Fixed(ApiKeys.OFFSET_DELETE, 0, 0);

    assertThat(handler.minVersion()).isZero();
    assertThat(handler.maxVersion()).isZero();
  }

  @Test
  void minAboveMaxIsRefused() {
    assertThatThrownBy(() -> new Fixed(ApiKeys.FETCH, 5, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FETCH");
  }

  @Test
  void negativeOrOversizedVersionsAreRefused() {
    assertThatThrownBy(() -> new Fixed(ApiKeys.FETCH, -1, 4))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Fixed(ApiKeys.FETCH, 0, Short.MAX_VALUE + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMissingApiKeyIsRefused() {
    assertThatThrownBy(() -> new Fixed(null, 0, 1)).isInstanceOf(NullPointerException.class);
  }
}
