package dev.eventshop.broker.network;

import dev.eventshop.broker.protocol.ApiTable;
import dev.eventshop.broker.protocol.ApiVersionsHandler;
import dev.eventshop.broker.server.Listener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Accepts client connections on the configured listeners and gives each a {@link FrameDecoder} and
 * a {@link KafkaConnection}. Requests are served on the network threads themselves.
 */
public final class SocketServer implements AutoCloseable {

  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final List<Channel> serverChannels = new ArrayList<>();

  public SocketServer(int networkThreads) {
    this.acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.workers = new MultiThreadIoEventLoopGroup(networkThreads, NioIoHandler.newFactory());
  }

  /** Binds one listener and returns the address it is bound to (port 0 picks a free port). */
  public InetSocketAddress bind(
      Listener listener,
      Supplier<ApiTable> apis,
      ApiVersionsHandler apiVersions,
      int maxRequestBytes)
      throws InterruptedException {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(acceptors, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast("frames", new FrameDecoder(maxRequestBytes))
                        .addLast("kafka", new KafkaConnection(listener.name(), apis, apiVersions));
                  }
                });
    Channel channel = bootstrap.bind(listener.host(), listener.port()).sync().channel();
    serverChannels.add(channel);
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    for (Channel channel : serverChannels) {
      channel.close().awaitUninterruptibly();
    }
    acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
