package dev.vantage.measure.ftp;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The System.nanoTime() marks of one FTP or SFTP session, in order, and the step it is in. Phases are differences
 * of consecutive marks rounded to whole microseconds from the start, so the reported phases add up exactly to the
 * response and total times. Zero means the mark was not reached.
 */
final class Timeline {
    /** The steps a session goes through; a failure is reported as the step it happened in. */
    enum Step { DNS, Connect, SSL, Login, Command, Data, Transfer }

    long start = System.nanoTime();
    long dnsEnd, connectEnd, readyEnd, firstByte, lastByte;
    volatile Step step = Step.DNS;
    String serverIp;

    /** Starts the clock: called right before name resolution, after the client objects are built. */
    void begin() {
        start = System.nanoTime();
    }

    /**
     * Starts the clock and resolves {@code host}, marking the end of the DNS phase and moving to the Connect step.
     *
     * @return the address, or null when the name does not resolve (still in the DNS step)
     */
    InetAddress beginWithLookup(String host) {
        begin();
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
        dnsEnd = System.nanoTime();
        serverIp = address.getHostAddress();
        step = Step.Connect;
        return address;
    }

    FtpRecord record(Integer code, Long bytes, String errorType, String errorDetails) {
        Double dns = phase(start, dnsEnd), connect = phase(dnsEnd, connectEnd), negotiation = phase(connectEnd, readyEnd),
                wait = phase(readyEnd, firstByte), transfer = phase(firstByte, lastByte);
        Double response = phase(start, firstByte), total = phase(start, lastByte);
        Long throughput = bytes != null && transfer != null && lastByte > firstByte
                ? Math.round(bytes / ((micros(lastByte) - micros(firstByte)) / 1e6)) : null;
        return new FtpRecord(serverIp, code, dns, connect, negotiation, wait, response, transfer, total,
                lastByte != 0 ? bytes : null, throughput, errorType, errorDetails);
    }

    private Double phase(long from, long to) {
        return from == 0 || to == 0 ? null : (micros(to) - micros(from)) / 1000.0;
    }

    private long micros(long mark) {
        return Math.round((mark - start) / 1000.0);
    }
}
