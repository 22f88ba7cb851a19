package dev.vantage.model.xml;

import com.fasterxml.jackson.databind.JsonNode;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders any v6 JSON document as XML (conventions.md §3), with the JDK's StAX writer doing the escaping.
 * <ul>
 *   <li>The root element is {@code <response>}; a JSON object's keys become child elements with the same names.
 *       An error body {@code {"errorMessage": "x"}} is rendered as the root {@code <errorMessage>x</errorMessage>}.</li>
 *   <li>An array under key {@code k} becomes {@code <k>} holding one element per member, named by
 *       {@link #singular}: {@code "agents": [..]} -> {@code <agents><agent>..</agent></agents>},
 *       {@code "test": [..]} -> {@code <test><test>..</test></test>} (Jackson's wrapped-list shape).
 *       An array inside an array names its members {@code item}.</li>
 *   <li>Scalars are element text ({@code 0}/{@code 1} flags stay numbers); null is an empty element.</li>
 *   <li>A key that is not a valid XML name (a header name like {@code 1x}, a host with a colon) is written as
 *       {@code <entry key="the key">}.</li>
 *   <li>Characters XML 1.0 cannot carry (control characters) are replaced by U+FFFD.</li>
 * </ul>
 */
public final class XmlRenderer {
    private XmlRenderer() {}

    public static final String ROOT = "response";

    /** Plural keys whose singular the suffix rules get wrong, or that are not plurals at all. */
    private static final Map<String, String> SINGULAR_EXCEPTIONS = Map.of(
            "pathVis", "pathVis",
            "data", "data",
            "aliases", "alias",
            "statuses", "status",
            "series", "series",
            "cookies", "cookie",
            "children", "child");

    private static final Pattern XML_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]*");
    private static final XMLOutputFactory FACTORY = XMLOutputFactory.newFactory();

    /** The document as an XML string with an XML declaration. */
    public static String render(JsonNode document) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(document, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Writes the document as UTF-8 XML. */
    public static void write(JsonNode document, OutputStream out) {
        try {
            XMLStreamWriter xml = FACTORY.createXMLStreamWriter(out, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            if (isErrorBody(document)) {
                element(xml, "errorMessage", document.get("errorMessage"));
            } else {
                element(xml, ROOT, document);
            }
            xml.writeEndDocument();
            xml.flush();
            xml.close();
        } catch (XMLStreamException e) {
            if (e.getCause() instanceof java.io.IOException io) throw new UncheckedIOException(io);
            throw new IllegalStateException("XML rendering failed", e);
        }
    }

    /**
     * The element name of one member of the array under {@code key}: an exception from the table, else
     * -ies -> -y, -sses/-xes/-ches/-shes -> drop "es", -s (not -ss/-us/-is) -> drop "s", else the key itself.
     */
    public static String singular(String key) {
        String exception = SINGULAR_EXCEPTIONS.get(key);
        if (exception != null) return exception;
        if (key.endsWith("ies") && key.length() > 3) return key.substring(0, key.length() - 3) + "y";
        if (key.endsWith("sses") || key.endsWith("xes") || key.endsWith("ches") || key.endsWith("shes")) {
            return key.substring(0, key.length() - 2);
        }
        if (key.endsWith("s") && !key.endsWith("ss") && !key.endsWith("us") && !key.endsWith("is")
                && key.length() > 1) {
            return key.substring(0, key.length() - 1);
        }
        return key;
    }

    private static boolean isErrorBody(JsonNode document) {
        return document.isObject() && document.size() == 1 && document.has("errorMessage")
                && document.get("errorMessage").isValueNode();
    }

    private static void element(XMLStreamWriter xml, String key, JsonNode value) throws XMLStreamException {
        if (XML_NAME.matcher(key).matches() && !key.regionMatches(true, 0, "xml", 0, 3)) {
            xml.writeStartElement(key);
        } else {
            xml.writeStartElement("entry");
            xml.writeAttribute("key", clean(key));
        }
        content(xml, key, value);
        xml.writeEndElement();
    }

    private static void content(XMLStreamWriter xml, String key, JsonNode value) throws XMLStreamException {
        if (value == null || value.isNull() || value.isMissingNode()) return;
        if (value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                element(xml, field.getKey(), field.getValue());
            }
        } else if (value.isArray()) {
            String member = singular(key);
            for (JsonNode item : value) {
                if (item.isArray()) {
                    xml.writeStartElement("item");
                    content(xml, "item", item);
                    xml.writeEndElement();
                } else {
                    element(xml, member, item);
                }
            }
        } else {
            xml.writeCharacters(clean(value.asText()));
        }
    }

    /** Replaces the characters XML 1.0 cannot represent at all. */
    private static String clean(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF)
                    || (c >= 0xE000 && c <= 0xFFFD) || Character.isSurrogate(c) && validSurrogate(text, i);
            if (!ok) {
                if (sb == null) sb = new StringBuilder(text.substring(0, i));
                sb.append('\uFFFD');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    private static boolean validSurrogate(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}
