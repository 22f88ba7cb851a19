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

    private static String text(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        return scope < 0 ? text : text.substring(0, scope);
    }
}
