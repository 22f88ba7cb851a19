package dev.vantage.measure.voice;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Clock;

/**
 * A {@link DatagramReceiver} on a JDK {@link DatagramChannel}. The arrival time is taken when the datagram is read
 * from the socket (not the kernel's receive timestamp), so it includes the wake-up latency of this thread (tens of
 * µs on an idle host). The JDK gives no access to the IP header, so the TOS byte is not reported.
 */
public final class ChannelDatagramReceiver implements DatagramReceiver {
    private final DatagramChannel channel;
    private final Selector selector;
    private final ByteBuffer buffer = ByteBuffer.allocate(65_536);
    private final long wallNanoOrigin;
    private final long wallBase;

    /** Takes ownership of {@code channel} (closed by {@link #close()}); switches it to non-blocking mode. */
    public ChannelDatagramReceiver(DatagramChannel channel, Clock clock) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        this.wallNanoOrigin = System.nanoTime();
        this.wallBase = RtpStreamSender.epochNanos(clock.instant());
    }

    public DatagramChannel channel() {
        return channel;
    }

    @Override
    public Datagram receive(long timeoutNanos) throws IOException, InterruptedException {
        long end = System.nanoTime() + Math.max(0, timeoutNanos);
        while (true) {
            buffer.clear();
            InetSocketAddress source = (InetSocketAddress) channel.receive(buffer);
            if (source != null) {
                long now = System.nanoTime();
                buffer.flip();
                byte[] data = new byte[buffer.remaining()];
                buffer.get(data);
                return new Datagram(data, source, now, wallBase + (now - wallNanoOrigin), null);
            }
            long left = end - System.nanoTime();
            if (left <= 0) return null;
            selector.select(Math.max(1, (left + 999_999) / 1_000_000));
            selector.selectedKeys().clear();
            if (Thread.interrupted()) throw new InterruptedException();
        }
    }

    @Override
    public String tosUnavailableReason() {
        return "the DSCP of received packets was not observed: this receiver (JDK DatagramChannel) cannot read "
                + "the IP TOS byte, which needs IP_RECVTOS";
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
