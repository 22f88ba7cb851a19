package dev.vantage.measure.net.sys;

import java.net.InetAddress;

/**
 * One datagram read with {@code recvmsg}: its bytes, who sent it, when, and what the ancillary data said.
 *
 * @param data       the payload (for raw IPv4 sockets it starts with the IP header; from the error queue it is the
 *                   payload of the datagram that failed)
 * @param from       the sender (for error-queue reads: the original destination)
 * @param atNanos    {@link System#nanoTime()} when the datagram arrived (with arrival timestamps on) or was read
 * @param tos        the IPv4 TOS byte / IPv6 traffic class when IP_RECVTOS / IPV6_RECVTCLASS is on, else -1
 * @param ttl        the received TTL / hop limit when IP_RECVTTL is on, else -1
 * @param error      the extended error when read from the error queue, else null
 */
public record Received(byte[] data, InetAddress from, int fromPort, long atNanos, int tos, int ttl, ExtendedError error) {}
