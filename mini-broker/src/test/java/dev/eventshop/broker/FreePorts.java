package dev.eventshop.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free loopback ports for tests and benchmarks that start brokers. */
public final class FreePorts {

  private FreePorts() {}

  /**
   * {@code count} distinct free ports. Every socket stays open until all are chosen: the OS may
   * hand out a port it just released again, which once gave two brokers the same port.
   */
  public static int[] take(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
