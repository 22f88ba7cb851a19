package dev.vantage.measure.voice;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.util.Arrays;

/**
 * A {@link DatagramReceiver} on a JDK {@link DatagramChannel} in blocking mode (its socket adaptor gives the
 * timeout, and parks a virtual thread instead of holding its carrier). The arrival time is taken when the datagram
 * is read from the socket, not the kernel's receive timestamp, so it includes this thread's wake-up latency (tens
 * of µs on an idle host, more on a loaded one). The JDK gives no access to the IP header: the TOS byte is not
 * reported.
 */
public final class ChannelDatagramReceiver implements DatagramReceiver {
    private final DatagramChannel channel;
    private final DatagramSocket socket;
    private final byte[] buffer = new byte[65_536];
    private final long wallNanoOrigin;
    private final long wallBase;

    /** Takes ownership of {@code channel} (closed by {@link #close()}); puts it in blocking mode. */
    public ChannelDatagramReceiver(DatagramChannel channel, Clock clock) throws IOException {
        this.channel = channel;
        channel.configureBlocking(true);
        this.socket = channel.socket();
        this.wallNanoOrigin = System.nanoTime();
        this.wallBase = RtpStreamSender.epochNanos(clock.instant());
    }

    public DatagramChannel channel() {
        return channel;
    }

    @Override
    public Datagram receive(long timeoutNanos) throws IOException, InterruptedException {
        long millis = (timeoutNanos + 999_999) / 1_000_000;
        if (millis <= 0) return null;
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, millis));
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            if (Thread.interrupted()) throw new InterruptedException();
            return null;
        } catch (IOException e) {
            // an interrupt closes the channel under a blocked receive: report the interrupt, not the closing
            if (Thread.interrupted()) throw new InterruptedException();
            throw e;
        }
        long now = System.nanoTime();
        return new Datagram(Arrays.copyOf(packet.getData(), packet.getLength()),
                (InetSocketAddress) packet.getSocketAddress(), now, wallBase + (now - wallNanoOrigin), null);
    }

    @Override
    public String tosUnavailableReason() {
        return "the DSCP of received packets was not observed: this receiver (JDK DatagramChannel) cannot read "
                + "the IP TOS byte, which needs IP_RECVTOS";
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
