package dev.vantage.measure.dns;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an agent's DNS engines start: the root hints dns-trace (and the DNSSEC validator's resolver) begin from,
 * and the trust anchors dns-dnssec validates from. The defaults are the IANA root servers and the root KSKs
 * (KSK-2017, tag 20326, and KSK-2024, tag 38696); a lab points both at its own private root.
 *
 * @param rootHints    the root name servers with their addresses
 * @param trustAnchors DS and/or DNSKEY records in zone-file form, as ValidatingResolver loads them
 */
public record DnsConfig(List<NameServer> rootHints, String trustAnchors) {

    /** A name server and the addresses it is reached at (from glue or hints). */
    public record NameServer(Name name, List<InetAddress> addresses) {
        public NameServer {
            addresses = List.copyOf(addresses);
        }

        /** The name as dig shows it: without the trailing dot when it stands for a bare address. */
        public String label() {
            String s = name.toString();
            return addresses.size() == 1 && s.equals(addresses.getFirst().getHostAddress() + ".")
                    ? s.substring(0, s.length() - 1) : s;
        }
    }

    /** https://www.iana.org/domains/root/servers (b.root-servers.net renumbered in 2023). */
    private static final String IANA_ROOT_HINTS = """
            a 198.41.0.4 2001:503:ba3e::2:30
            b 170.247.170.2 2801:1b8:10::b
            c 192.33.4.12 2001:500:2::c
            d 199.7.91.13 2001:500:2d::d
            e 192.203.230.10 2001:500:a8::e
            f 192.5.5.241 2001:500:2f::f
            g 192.112.36.4 2001:500:12::d0d
            h 198.97.190.53 2001:500:1::53
            i 192.36.148.17 2001:7fe::53
            j 192.58.128.30 2001:503:c27::2:30
            k 193.0.14.129 2001:7fd::1
            l 199.7.83.42 2001:500:9f::42
            m 202.12.27.33 2001:dc3::35
            """;

    /** https://data.iana.org/root-anchors/root-anchors.xml */
    public static final String IANA_TRUST_ANCHORS = """
            . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
            """;

    public static final DnsConfig DEFAULT = new DnsConfig(ianaRootHints(), IANA_TRUST_ANCHORS);

    public DnsConfig {
        if (rootHints == null || rootHints.isEmpty()) throw new IllegalArgumentException("root hints must name a server");
        rootHints = List.copyOf(rootHints);
    }

    /** This config with other root hints, given as a hints file or as {@code ip,ip,...}. */
    public DnsConfig withRootHints(String fileOrAddresses) {
        return new DnsConfig(parseRootHints(fileOrAddresses), trustAnchors);
    }

    /** This config with the trust anchors of a file of DS/DNSKEY records (zone-file form). */
    public DnsConfig withTrustAnchorFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read trust anchor file " + file + ": " + e.getMessage());
        }
        int anchors = 0;
        for (Record r : records(text, "trust anchor file " + file)) {
            if (r instanceof DSRecord || r instanceof DNSKEYRecord) anchors++;
        }
        if (anchors == 0) throw new IllegalArgumentException("trust anchor file " + file + " holds no DS or DNSKEY record");
        return new DnsConfig(rootHints, text);
    }

    /**
     * {@code ip,ip,...} (servers named by their address, as {@code dig @ip} shows them) or the path of a root hints
     * file in zone-file form ({@code named.root}: NS records of "." and the A/AAAA records of those names).
     */
    public static List<NameServer> parseRootHints(String fileOrAddresses) {
        String spec = fileOrAddresses == null ? "" : fileOrAddresses.strip();
        if (spec.isEmpty()) throw new IllegalArgumentException("root hints are empty");
        List<NameServer> servers = new ArrayList<>();
        boolean allAddresses = true;
        for (String part : spec.split(",")) {
            InetAddress ip = literal(part.strip());
            if (ip == null) {
                allAddresses = false;
                break;
            }
            servers.add(new NameServer(name(ip.getHostAddress() + "."), List.of(ip)));
        }
        if (allAddresses) return servers;
        Path file = Path.of(spec);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("root hints must be ip,ip,... or a readable hints file; cannot read "
                    + spec + ": " + e.getMessage());
        }
        Map<Name, List<InetAddress>> byName = new LinkedHashMap<>();
        List<Record> glue = new ArrayList<>();
        for (Record r : records(text, "root hints file " + spec)) {
            if (r instanceof NSRecord ns && r.getName().equals(Name.root)) byName.putIfAbsent(ns.getTarget(), new ArrayList<>());
            else if (r instanceof ARecord || r instanceof AAAARecord) glue.add(r);
        }
        for (Record r : glue) {
            List<InetAddress> addrs = byName.get(r.getName());
            if (addrs == null) continue;
            addrs.add(r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress());
        }
        byName.forEach((n, addrs) -> {
            if (!addrs.isEmpty()) servers.add(new NameServer(n, addrs));
        });
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("root hints file " + spec + " names no root server with an address "
                    + "(it needs '. NS name' records and the names' A/AAAA records)");
        }
        return servers;
    }

    private static List<Record> records(String text, String what) {
        List<Record> out = new ArrayList<>();
        try (Master master = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Name.root, 3600)) {
            Record r;
            while ((r = master.nextRecord()) != null) out.add(r);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not in zone-file form: " + e.getMessage());
        }
        return out;
    }

    /** An IP literal, or null for anything else (never a name lookup). */
    static InetAddress literal(String text) {
        try {
            if (Address.isDottedQuad(text)) return Address.getByAddress(text, Address.IPv4);
            if (text.contains(":") && Address.toByteArray(text, Address.IPv6) != null) return Address.getByAddress(text, Address.IPv6);
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }

    static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: " + text);
        }
    }

    private static List<NameServer> ianaRootHints() {
        List<NameServer> out = new ArrayList<>();
        for (String line : IANA_ROOT_HINTS.strip().split("\n")) {
            String[] f = line.split(" ");
            out.add(new NameServer(name(f[0] + ".root-servers.net."), List.of(literal(f[1]), literal(f[2]))));
        }
        return out;
    }
}
