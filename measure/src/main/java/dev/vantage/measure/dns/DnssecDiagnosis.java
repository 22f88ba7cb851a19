package dev.vantage.measure.dns;

import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the broken link when the validator only says a zone's keys could not be trusted ("Keyset not secured by
 * DNSKEY that matches DS"): asks the parent for the zone's DS and the zone for its DNSKEY set, then says whether
 * no DNSKEY matches the DS (DS mismatch) or which signature over the DNSKEY set fails and why (expired, not yet
 * valid, does not verify), with dnsjava's own {@link DNSSEC#verify} and {@link DSRecord} digests.
 */
final class DnssecDiagnosis {
    private static final Pattern ZONE = Pattern.compile("keys for \\[([^\\]]+)]");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private DnssecDiagnosis() {}

    /** The broken link in words, or null when the reason names no zone or nothing more specific is found. */
    static String explain(String reason, IterativeHeadResolver head, Executor executor, Instant now, long timeoutMillis) {
        Matcher m = ZONE.matcher(reason);
        if (!m.find()) return null;
        Name zone;
        try {
            zone = DnsConfig.name(m.group(1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        Message dsAnswer = ask(head, executor, zone, Type.DS, timeoutMillis);
        Message keyAnswer = ask(head, executor, zone, Type.DNSKEY, timeoutMillis);
        if (keyAnswer == null) return null;
        List<DNSKEYRecord> keys = records(keyAnswer, DNSKEYRecord.class);
        if (keys.isEmpty()) return "no DNSKEY records for " + zone;
        List<DSRecord> ds = dsAnswer == null ? List.of() : records(dsAnswer, DSRecord.class);
        List<DNSKEYRecord> trusted = keys.stream().filter(k -> ds.stream().anyMatch(d -> matches(zone, d, k))).toList();
        if (!ds.isEmpty() && trusted.isEmpty()) {
            return "DS mismatch: the DS for " + zone + " in the parent (key tag " + tags(ds.stream().map(DSRecord::getFootprint).toList())
                    + ") matches none of its DNSKEYs (key tag " + tags(keys.stream().map(DNSKEYRecord::getFootprint).toList()) + ")";
        }
        RRset keySet = new RRset();
        keys.forEach(keySet::addRR);
        List<String> problems = new ArrayList<>();
        for (RRSIGRecord sig : records(keyAnswer, RRSIGRecord.class)) {
            if (sig.getTypeCovered() != Type.DNSKEY) continue;
            for (DNSKEYRecord key : trusted) {
                if (key.getFootprint() != sig.getFootprint() || key.getAlgorithm() != sig.getAlgorithm()) continue;
                try {
                    DNSSEC.verify(keySet, sig, key, now);
                    return null; // a good signature by a trusted key: the break is elsewhere
                } catch (DNSSEC.SignatureExpiredException e) {
                    problems.add("the RRSIG by key " + key.getFootprint() + " over " + zone + " DNSKEY expired at "
                            + TIME.format(e.getExpiration()));
                } catch (DNSSEC.SignatureNotYetValidException e) {
                    problems.add("the RRSIG by key " + key.getFootprint() + " over " + zone + " DNSKEY is valid only from "
                            + TIME.format(sig.getTimeSigned()));
                } catch (DNSSEC.DNSSECException e) {
                    problems.add("the RRSIG by key " + key.getFootprint() + " over " + zone + " DNSKEY: " + e.getMessage());
                }
            }
        }
        if (problems.isEmpty() && !trusted.isEmpty()) {
            return "no RRSIG over " + zone + " DNSKEY by the key the DS names (key tag "
                    + tags(trusted.stream().map(DNSKEYRecord::getFootprint).toList()) + ")";
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static boolean matches(Name zone, DSRecord ds, DNSKEYRecord key) {
        if (ds.getFootprint() != key.getFootprint() || ds.getAlgorithm() != key.getAlgorithm()) return false;
        try {
            return Arrays.equals(ds.getDigest(), new DSRecord(zone, DClass.IN, 0, ds.getDigestID(), key).getDigest());
        } catch (RuntimeException unsupportedDigest) {
            return false;
        }
    }

    private static Message ask(IterativeHeadResolver head, Executor executor, Name name, int type, long timeoutMillis) {
        try {
            return head.sendAsync(new DnsQuestion(name, type).query(false), executor).toCompletableFuture()
                    .get(Math.max(1, timeoutMillis), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private static <T extends Record> List<T> records(Message m, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Record r : m.getSection(Section.ANSWER)) if (type.isInstance(r)) out.add(type.cast(r));
        return out;
    }

    private static String tags(List<Integer> tags) {
        return String.join(", ", tags.stream().map(String::valueOf).toList());
    }
}
