package dev.eventshop.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Distinct free loopback ports, for tests that start brokers or services on their own ports. */
public final class FreePorts {

  private FreePorts() {}

  /**
   * Returns {@code count} distinct ports. Every socket stays open until all are chosen: a port
   * closed at once could be handed out again by the next bind.
   */
  public static List<Integer> choose(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(socket);
        ports.add(socket.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // Closing a listening socket that accepted nothing cannot lose anything.
        }
      }
    }
  }
}
