package dev.vantage.measure.voice;

import dev.vantage.measure.net.sys.NativeSocket;
import dev.vantage.measure.net.sys.Received;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;

/**
 * A {@link DatagramReceiver} on a {@code net.sys} UDP socket: it reports the TOS byte each datagram arrived with
 * (IP_RECVTOS / IPV6_RECVTCLASS) and the kernel's arrival time (SO_TIMESTAMPNS), which a JDK socket cannot give. The
 * standalone voice receiver uses it; the agent's target role gets the same from the responder's socket.
 */
public final class NativeDatagramReceiver implements DatagramReceiver {
    /** The longest single wait, so that an interrupt is seen promptly (poll(2) does not see Java interrupts). */
    private static final int SLICE_MILLIS = 100;

    private final NativeSocket socket;
    private final long wallNanoOrigin;
    private final long wallBase;

    private NativeDatagramReceiver(NativeSocket socket, Clock clock) {
        this.socket = socket;
        this.wallNanoOrigin = System.nanoTime();
        this.wallBase = RtpStreamSender.epochNanos(clock.instant());
    }

    /** Binds {@code address:port} ({@code address} null: every address, IPv4 and IPv6; port 0: any free one). */
    public static NativeDatagramReceiver open(InetAddress address, int port, Clock clock) throws IOException {
        NativeSocket socket = address == null ? NativeSocket.dualStackUdp()
                : NativeSocket.open(!(address instanceof Inet4Address), NativeSocket.Kind.DGRAM, NativeSocket.IPPROTO_UDP);
        try {
            socket.setReceiveBuffer(1 << 20); // a 30 s stream must not overflow it
            socket.enableReceiveTos();
            socket.enableArrivalTimestamps();
            socket.bind(address != null ? address : InetAddress.getByName("::"), port);
            return new NativeDatagramReceiver(socket, clock);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot receive on " + (address == null ? "*" : address.getHostAddress()) + ":" + port
                    + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress localAddress() throws IOException {
        return socket.localAddress();
    }

    /** Sends one datagram from the receiving port (the standalone receiver's single summary). */
    public void send(byte[] data, InetSocketAddress to) throws IOException {
        socket.sendTo(data, to.getAddress(), to.getPort());
    }

    @Override
    public Datagram receive(long timeoutNanos) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        for (long left = timeoutNanos; left > 0; left = end - System.nanoTime()) {
            if (Thread.interrupted()) throw new InterruptedException();
            int millis = (int) Math.min(SLICE_MILLIS, Math.max(1, (left + 999_999) / 1_000_000));
            Received r = socket.receive(millis, false);
            if (r == null || r.from() == null) continue;
            return new Datagram(r.data(), new InetSocketAddress(r.from(), r.fromPort()), r.atNanos(),
                    wallBase + (r.atNanos() - wallNanoOrigin), r.tos() >= 0 ? r.tos() : null);
        }
        return null;
    }

    @Override
    public String tosUnavailableReason() {
        return null; // every datagram carries its TOS byte
    }

    @Override
    public void close() {
        socket.close();
    }
}
