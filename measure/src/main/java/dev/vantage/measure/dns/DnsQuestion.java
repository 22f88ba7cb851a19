package dev.vantage.measure.dns;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The {@code domain} field of a DNS test, {@code "<name> <TYPE>"} (the catalogue has already checked the type and
 * made {@code ANY} the default), as a dnsjava question.
 */
public record DnsQuestion(Name name, int type) {

    public static DnsQuestion parse(String domain) {
        String[] parts = domain == null ? new String[0] : domain.strip().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) throw new IllegalArgumentException("domain is empty");
        int type = parts.length > 1 ? Type.value(parts[1]) : Type.ANY;
        if (type < 0) throw new IllegalArgumentException("unknown record type " + parts[1]);
        return new DnsQuestion(DnsConfig.name(parts[0]), type);
    }

    /** A query for this question with RD set or not; EDNS is added by the resolver that sends it. */
    public Message query(boolean recursionDesired) {
        Message m = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        if (!recursionDesired) m.getHeader().unsetFlag(Flags.RD);
        return m;
    }

    public String typeName() {
        return Type.string(type);
    }

    @Override
    public String toString() {
        return name + " " + typeName();
    }
}
