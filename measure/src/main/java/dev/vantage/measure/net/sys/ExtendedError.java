package dev.vantage.measure.net.sys;

import java.net.InetAddress;

/**
 * One {@code struct sock_extended_err} from a socket's error queue (ip(7) IP_RECVERR): what went wrong with a
 * datagram this socket sent, and who said so.
 *
 * @param errno    the error, e.g. {@link ErrnoException#EMSGSIZE} or {@link ErrnoException#ECONNREFUSED}
 * @param origin   {@link #ORIGIN_LOCAL}, {@link #ORIGIN_ICMP} or {@link #ORIGIN_ICMP6}
 * @param type     the ICMP type of the error (when the origin is ICMP)
 * @param code     the ICMP code
 * @param info     for EMSGSIZE the path MTU the offender reported (or the local MTU)
 * @param offender the address the error came from, or null when the kernel did not say
 */
public record ExtendedError(int errno, int origin, int type, int code, int info, InetAddress offender) {
    public static final int ORIGIN_LOCAL = 1, ORIGIN_ICMP = 2, ORIGIN_ICMP6 = 3;
}
