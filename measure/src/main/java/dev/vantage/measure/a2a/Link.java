package dev.vantage.measure.a2a;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The source's side of a session: a connected UDP socket or one TCP connection (2-byte length framing), marked with
 * the test's DSCP. A reader thread stamps every arriving packet (T4) the moment it is read.
 */
abstract sealed class Link implements AutoCloseable {
    /** A packet as it arrived, with its receive time on the {@link Stamp} clock. */
    record Arrival(byte[] packet, long t4) {}

    final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
    volatile boolean closed;

    abstract void send(byte[] packet) throws IOException;

    @Override
    public abstract void close();

    abstract String protocol();

    /** The next arrival within {@code timeoutNanos}, or null. */
    Arrival receive(long timeoutNanos) throws InterruptedException {
        return timeoutNanos <= 0 ? arrivals.poll() : arrivals.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** The local address the session leaves from. */
    abstract InetAddress localAddress();

    static Link udp(InetSocketAddress target, InetAddress source, int dscp) throws IOException {
        return new Udp(target, source, dscp);
    }

    static Link tcp(InetSocketAddress target, InetAddress source, int dscp, int connectTimeoutMillis) throws IOException {
        return new Tcp(target, source, dscp, connectTimeoutMillis);
    }

    static final class Udp extends Link {
        private final DatagramChannel channel;

        Udp(InetSocketAddress target, InetAddress source, int dscp) throws IOException {
            channel = DatagramChannel.open();
            try {
                channel.setOption(StandardSocketOptions.IP_TOS, dscp << 2);
                channel.bind(new InetSocketAddress(source, 0));
                channel.connect(target);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            Thread.ofVirtual().name("a2a-udp-reader").start(() -> {
                ByteBuffer in = ByteBuffer.allocate(ProbePacket.MAX_SIZE + 1);
                while (!closed) {
                    try {
                        in.clear();
                        channel.receive(in);
                        long t4 = Stamp.now();
                        arrivals.add(new Arrival(Arrays.copyOf(in.array(), in.position()), t4));
                    } catch (IOException e) {
                        // ICMP port unreachable surfaces here on a connected socket: the target is not listening yet
                        if (closed || !channel.isOpen()) return;
                    }
                }
            });
        }

        @Override
        void send(byte[] packet) throws IOException {
            try {
                channel.write(ByteBuffer.wrap(packet));
            } catch (java.net.PortUnreachableException e) {
                // an earlier datagram was refused; the next one may find the responder up
            }
        }

        @Override
        String protocol() {
            return "UDP";
        }

        @Override
        InetAddress localAddress() {
            try {
                return ((InetSocketAddress) channel.getLocalAddress()).getAddress();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void close() {
            closed = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    static final class Tcp extends Link {
        private final Socket socket;
        private final DataOutputStream out;
        private volatile boolean ended;

        Tcp(InetSocketAddress target, InetAddress source, int dscp, int connectTimeoutMillis) throws IOException {
            socket = new Socket();
            try {
                socket.setTrafficClass(dscp << 2);
                socket.setTcpNoDelay(true);
                if (source != null) socket.bind(new InetSocketAddress(source, 0));
                socket.connect(target, connectTimeoutMillis);
                out = new DataOutputStream(socket.getOutputStream());
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Thread.ofVirtual().name("a2a-tcp-reader").start(() -> {
                try {
                    while (!closed) {
                        int length = in.readUnsignedShort();
                        if (length > ProbePacket.MAX_SIZE) return;
                        byte[] packet = new byte[length];
                        in.readFully(packet);
                        arrivals.add(new Arrival(packet, Stamp.now()));
                    }
                } catch (IOException e) {
                    // closed by either side
                }
                ended = true;
            });
        }

        @Override
        synchronized void send(byte[] packet) throws IOException {
            out.writeShort(packet.length);
            out.write(packet);
            out.flush();
        }

        @Override
        String protocol() {
            return "TCP";
        }

        @Override
        InetAddress localAddress() {
            return socket.getLocalAddress();
        }

        /** The responder closed the connection (it could not verify our first message) or it broke. */
        boolean ended() {
            return ended;
        }

        @Override
        public void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
