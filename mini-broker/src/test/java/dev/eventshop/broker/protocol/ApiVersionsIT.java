package dev.eventshop.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.server.Broker;
import dev.eventshop.broker.server.BrokerConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ApiVersions on the wire, including the version-negotiation rule of compatibility rule 1. */
class ApiVersionsIT {

  @TempDir Path dir;
  Broker broker;

  @BeforeEach
  void start() throws Exception {
    broker =
        new Broker(
                BrokerConfig.of(
                    Map.of("listeners", "PLAINTEXT://127.0.0.1:0", "log.dirs", dir.toString())))
            .start();
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void advertisesEveryHandlerWithItsVersions() throws Exception {
    ApiVersionsResponseData response = apiVersions((short) 3);

    assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
    ApiVersionsResponseData.ApiVersion apiVersions =
        response.apiKeys().find(ApiKeys.API_VERSIONS.id);
    assertThat(apiVersions.minVersion()).isEqualTo((short) 0);
    assertThat(apiVersions.maxVersion()).isEqualTo((short) 4);
  }

  @Test
  void unknownVersionGetsV0ResponseWithUnsupportedVersionAndTheFullList() throws Exception {
    ApiVersionsResponseData response = apiVersions((short) 42);

    assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.UNSUPPORTED_VERSION);
    assertThat(response.apiKeys().find(ApiKeys.API_VERSIONS.id)).isNotNull();
  }

  private ApiVersionsResponseData apiVersions(short version) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", broker.boundAddresses().get(0).getPort())) {
      short headerVersion = version >= 3 ? (short) 2 : (short) 1;
      RequestHeaderData header =
          new RequestHeaderData()
              .setRequestApiKey(ApiKeys.API_VERSIONS.id)
              .setRequestApiVersion(version)
              .setCorrelationId(17)
              .setClientId("test");
      // A newer client's body cannot be known; send what v3 has, as a real client would.
      ApiVersionsRequestData body =
          new ApiVersionsRequestData().setClientSoftwareName("test").setClientSoftwareVersion("1");
      ByteBuffer h = MessageUtil.toByteBufferAccessor(header, headerVersion).buffer();
      ByteBuffer b = MessageUtil.toByteBufferAccessor(body, (short) 3).buffer();
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(h.remaining() + b.remaining());
      out.write(h.array(), h.arrayOffset() + h.position(), h.remaining());
      out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
      out.flush();

      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] frame = new byte[in.readInt()];
      in.readFully(frame);
      ByteBufferAccessor response = new ByteBufferAccessor(ByteBuffer.wrap(frame));
      ResponseHeaderData responseHeader = new ResponseHeaderData(response, (short) 0);
      assertThat(responseHeader.correlationId()).isEqualTo(17);
      short responseVersion = version > 4 ? 0 : version;
      return new ApiVersionsResponseData(response, responseVersion);
    }
  }
}
