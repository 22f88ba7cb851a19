package dev.vantage.measure.voice;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Where an RTP receiver gets its datagrams from. The JDK implementation ({@link ChannelDatagramReceiver}) cannot
 * see the IP header; an implementation that reads the TOS byte (IP_RECVTOS ancillary data through recvmsg, in
 * {@code dev.vantage.measure.net.sys}) reports the observed DSCP.
 */
public interface DatagramReceiver extends AutoCloseable {

    /**
     * One received datagram.
     *
     * @param data             the UDP payload
     * @param source           who sent it
     * @param arrivalNanos     {@link System#nanoTime()} at arrival
     * @param arrivalEpochNanos wall-clock arrival time, ns since the epoch (for one-way delay)
     * @param tos              the IP TOS / traffic-class byte it carried, or null when this receiver cannot see it
     */
    record Datagram(byte[] data, InetSocketAddress source, long arrivalNanos, long arrivalEpochNanos, Integer tos) {}

    /**
     * Waits up to {@code timeoutNanos} for the next datagram.
     *
     * @return the datagram, or null when none came in time
     */
    Datagram receive(long timeoutNanos) throws IOException, InterruptedException;

    /** Why {@link Datagram#tos()} is null, or null when this receiver reports it. */
    String tosUnavailableReason();

    @Override
    void close() throws IOException;
}
