package dev.vantage.agent;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The host's real name and addresses, as the agent reports them in hello. */
public final class HostInfo {
    private HostInfo() {}

    public static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env != null && !env.isBlank() ? env : "localhost";
        }
    }

    /**
     * Addresses of the interfaces that are up: non-loopback first (IPv4 before IPv6, link-local IPv6 left out);
     * the loopback addresses only when there is nothing else.
     */
    public static List<String> addresses() {
        List<InetAddress> external = new ArrayList<>();
        List<InetAddress> loopback = new ArrayList<>();
        try {
            for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
                if (!nic.isUp()) continue;
                for (InetAddress address : nic.inetAddresses().toList()) {
                    if (address.isLoopbackAddress()) loopback.add(address);
                    else if (!address.isLinkLocalAddress()) external.add(address);
                }
            }
        } catch (SocketException e) {
            // no interface list: fall through to loopback
        }
        List<InetAddress> chosen = external.isEmpty() ? loopback : external;
        if (chosen.isEmpty()) chosen = List.of(InetAddress.getLoopbackAddress());
        return chosen.stream()
                .sorted(Comparator.comparing((InetAddress a) -> a instanceof Inet4Address ? 0 : 1))
                .map(HostInfo::text)
                .distinct()
                .toList();
    }

    /** IPv4 dotted; IPv6 in the short RFC 5952 form users see in `ip addr` (fd00::2, not fd00:0:0:0:0:0:0:2). */
    static String text(InetAddress address) {
        if (address instanceof Inet4Address) return address.getHostAddress();
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1, bestLength = 1; // only runs of two or more zero groups are shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
            i = j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') text.append(':');
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
