package dev.eventshop.broker.network;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A blocking connection from this broker to another, speaking the same Kafka protocol clients use:
 * followers fetch from leaders through it, and transaction coordinators send markers. One request
 * at a time; not thread-safe (each fetcher or sender thread owns its channel).
 */
public final class BrokerChannel implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final String clientId;
  private int correlationId;

  public BrokerChannel(String host, int port, String clientId, int timeoutMs) throws IOException {
    this.socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), timeoutMs);
    socket.setSoTimeout(timeoutMs);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = new DataOutputStream(socket.getOutputStream());
    this.clientId = clientId;
  }

  /** Sends one request and waits for its response. */
  @SuppressWarnings("unchecked")
  public <T extends AbstractResponse> T send(ApiKeys key, short version, ApiMessage body)
      throws IOException {
    RequestHeaderData header =
        new RequestHeaderData()
            .setRequestApiKey(key.id)
            .setRequestApiVersion(version)
            .setCorrelationId(++correlationId)
            .setClientId(clientId);
    short headerVersion = key.requestHeaderVersion(version);
    ByteBuffer h = MessageUtil.toByteBufferAccessor(header, headerVersion).buffer();
    ByteBuffer b = MessageUtil.toByteBufferAccessor(body, version).buffer();
    out.writeInt(h.remaining() + b.remaining());
    out.write(h.array(), h.arrayOffset() + h.position(), h.remaining());
    out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
    out.flush();
    int size = in.readInt();
    if (size < 0 || size > 512 * 1024 * 1024) {
      throw new IOException("invalid response size " + size);
    }
    byte[] frame = new byte[size];
    in.readFully(frame);
    return (T)
        AbstractResponse.parseResponse(
            ByteBuffer.wrap(frame), new RequestHeader(header, headerVersion));
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
