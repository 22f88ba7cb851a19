package dev.vantage.measure.a2a;

import dev.vantage.measure.voice.DatagramReceiver;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The datagrams on a responder's UDP port that are not probes (a voice round's RTP stream), kept per sending host
 * for the round's receivers, which check the round token themselves. Nothing here is ever answered. Bounded: at
 * most {@link #MAX_HOSTS} hosts and {@link #MAX_QUEUED} datagrams each; beyond that datagrams are dropped.
 */
public final class Tap {
    static final int MAX_HOSTS = 64;
    static final int MAX_QUEUED = 20_000;

    private final Map<InetAddress, BlockingQueue<DatagramReceiver.Datagram>> byHost = new ConcurrentHashMap<>();

    Tap() {
        // load and link the per-datagram path now, not when the stream's first packet is being stamped
        InetSocketAddress self = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        offer(new byte[12], self, System.nanoTime(), Stamp.now(), null);
        byHost.clear();
    }

    void offer(byte[] data, InetSocketAddress from, long arrivalNanos, long arrivalEpochNanos, Integer tos) {
        InetAddress host = normalize(from.getAddress());
        BlockingQueue<DatagramReceiver.Datagram> queue = byHost.get(host);
        if (queue == null) {
            if (byHost.size() >= MAX_HOSTS) return;
            queue = byHost.computeIfAbsent(host, h -> new ArrayBlockingQueue<>(MAX_QUEUED));
        }
        queue.offer(new DatagramReceiver.Datagram(data, from, arrivalNanos, arrivalEpochNanos, tos));
    }

    /** The datagrams from {@code host} (an IPv4-mapped IPv6 address and its IPv4 form are the same host). */
    public DatagramReceiver from(InetAddress host) {
        InetAddress key = normalize(host);
        BlockingQueue<DatagramReceiver.Datagram> queue = byHost.computeIfAbsent(key, h -> new ArrayBlockingQueue<>(MAX_QUEUED));
        return new DatagramReceiver() {
            @Override
            public Datagram receive(long timeoutNanos) throws InterruptedException {
                return timeoutNanos <= 0 ? queue.poll() : queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public String tosUnavailableReason() {
                return null; // the responder's socket reads each datagram's TOS byte (IP_RECVTOS)
            }

            @Override
            public void close() {
                byHost.remove(key, queue);
            }
        };
    }

    static InetAddress normalize(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16) {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
            mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (java.net.UnknownHostException e) {
                    return a;
                }
            }
        }
        return a;
    }
}
