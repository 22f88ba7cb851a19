package dev.vantage.model.xml;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vantage.model.Json;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Renders documents and reads them back with the JDK's DOM parser. */
class XmlRendererTest {

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    private static Element parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        return doc.getDocumentElement();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (name == null || e.getTagName().equals(name))) out.add(e);
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        assertThat(found).as("exactly one <%s> under <%s>", name, parent.getTagName()).hasSize(1);
        return found.getFirst();
    }

    @Test
    void testListRendersWithWrappedArraysAndChildElements() throws Exception {
        String xml = XmlRenderer.render(json("""
                {"test":[{"testId":9001,"testName":"shop <health> & more","enabled":1,
                  "agents":[{"agentId":1101,"agentName":"Berlin EA","ipAddresses":["10.1.2.3","10.1.2.4"]},
                            {"agentId":1102,"agentName":"Paris"}],
                  "apiLinks":[{"rel":"self","href":"https://h/v6/tests/9001?a=1&b=2"}],
                  "customHeaders":{"root":{"X-A":"1"}}}]}"""));
        assertThat(xml).containsPattern("^<\\?xml version=['\"]1\\.0['\"] encoding=['\"]UTF-8['\"]\\?>");
        Element root = parse(xml);
        assertThat(root.getTagName()).isEqualTo("response");
        Element tests = child(root, "test");
        List<Element> test = children(tests, "test");
        assertThat(test).hasSize(1);
        Element t = test.getFirst();
        assertThat(child(t, "testId").getTextContent()).isEqualTo("9001");
        assertThat(child(t, "testName").getTextContent()).isEqualTo("shop <health> & more");
        assertThat(child(t, "enabled").getTextContent()).isEqualTo("1");
        List<Element> agents = children(child(t, "agents"), "agent");
        assertThat(agents).hasSize(2);
        assertThat(child(agents.get(0), "agentName").getTextContent()).isEqualTo("Berlin EA");
        assertThat(children(child(agents.get(0), "ipAddresses"), "ipAddress"))
                .extracting(Element::getTextContent).containsExactly("10.1.2.3", "10.1.2.4");
        Element link = child(child(t, "apiLinks"), "apiLink");
        assertThat(child(link, "href").getTextContent()).isEqualTo("https://h/v6/tests/9001?a=1&b=2");
        assertThat(child(child(child(t, "customHeaders"), "root"), "X-A").getTextContent()).isEqualTo("1");
        assertThat(t.getAttributes().getLength()).isZero(); // attributes are child elements, never XML attributes
    }

    @Test
    void errorBodyIsItsOwnRoot() throws Exception {
        Element root = parse(XmlRenderer.render(json("{\"errorMessage\":\"url is required & <must> be \\\"set\\\"\"}")));
        assertThat(root.getTagName()).isEqualTo("errorMessage");
        assertThat(root.getTextContent()).isEqualTo("url is required & <must> be \"set\"");
    }

    @Test
    void dataEnvelopeRecordsUseTheirKeys() throws Exception {
        Element root = parse(XmlRenderer.render(json("""
                {"web":{"test":{"testId":1},"httpServer":[{"responseTime":63.899002,"errorDetails":""}]},
                 "net":{"pathVis":[{"routes":[{"hops":[{"hop":1,"ipAddress":"10.0.0.1"}]}]}],"metrics":[{"loss":0.0}]},
                 "pages":{"current":1}}""")));
        Element web = child(root, "web");
        assertThat(child(child(web, "test"), "testId").getTextContent()).isEqualTo("1");
        Element record = child(child(web, "httpServer"), "httpServer");
        assertThat(child(record, "responseTime").getTextContent()).isEqualTo("63.899002");
        assertThat(child(record, "errorDetails").getTextContent()).isEmpty();
        Element net = child(root, "net");
        Element pathVis = child(child(net, "pathVis"), "pathVis");
        Element hop = child(child(child(child(pathVis, "routes"), "route"), "hops"), "hop");
        assertThat(child(hop, "ipAddress").getTextContent()).isEqualTo("10.0.0.1");
        assertThat(children(child(net, "metrics"), "metric")).hasSize(1);
        assertThat(child(child(root, "pages"), "current").getTextContent()).isEqualTo("1");
    }

    @Test
    void emptyArraysNullsAndNestedArrays() throws Exception {
        Element root = parse(XmlRenderer.render(json("{\"groups\":[],\"note\":null,\"matrix\":[[1,2],[3]],\"ok\":true}")));
        assertThat(children(child(root, "groups"), null)).isEmpty();
        assertThat(child(root, "note").getTextContent()).isEmpty();
        List<Element> rows = children(child(root, "matrix"), "item");
        assertThat(rows).hasSize(2);
        assertThat(children(rows.get(0), "item")).extracting(Element::getTextContent).containsExactly("1", "2");
        assertThat(child(root, "ok").getTextContent()).isEqualTo("true");
    }

    @Test
    void keysThatAreNotXmlNamesBecomeEntries() throws Exception {
        Element root = parse(XmlRenderer.render(json(
                "{\"domains\":{\"cdn.example.net:8443\":{\"1x\":\"a\"},\"xmlish\":\"b\",\"a b\":\"c\"}}")));
        Element domains = child(root, "domains");
        List<Element> entries = children(domains, "entry");
        assertThat(entries).extracting(e -> e.getAttribute("key")).containsExactly("cdn.example.net:8443", "xmlish", "a b");
        Element inner = child(entries.get(0), "entry");
        assertThat(inner.getAttribute("key")).isEqualTo("1x");
        assertThat(inner.getTextContent()).isEqualTo("a");
    }

    @Test
    void charactersXmlCannotCarryAreReplacedAndUnicodeSurvives() throws Exception {
        Element root = parse(XmlRenderer.render(json("{\"s\":\"bell\\u0007 ü 日本 \\ud83d\\ude00 ]]> end\"}")));
        assertThat(child(root, "s").getTextContent()).isEqualTo("bell\uFFFD ü 日本 \uD83D\uDE00 ]]> end");
    }

    @Test
    void writeProducesUtf8Bytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        XmlRenderer.write(json("{\"agentName\":\"Zürich\"}"), out);
        assertThat(child(parse(out.toString(StandardCharsets.UTF_8)), "agentName").getTextContent()).isEqualTo("Zürich");
    }

    @Test
    void singularRule() {
        assertThat(XmlRenderer.singular("tests")).isEqualTo("test");
        assertThat(XmlRenderer.singular("test")).isEqualTo("test");
        assertThat(XmlRenderer.singular("agents")).isEqualTo("agent");
        assertThat(XmlRenderer.singular("accountGroups")).isEqualTo("accountGroup");
        assertThat(XmlRenderer.singular("apiLinks")).isEqualTo("apiLink");
        assertThat(XmlRenderer.singular("metrics")).isEqualTo("metric");
        assertThat(XmlRenderer.singular("httpServer")).isEqualTo("httpServer");
        assertThat(XmlRenderer.singular("ipAddresses")).isEqualTo("ipAddress");
        assertThat(XmlRenderer.singular("prefixes")).isEqualTo("prefix");
        assertThat(XmlRenderer.singular("policies")).isEqualTo("policy");
        assertThat(XmlRenderer.singular("pathVis")).isEqualTo("pathVis");
        assertThat(XmlRenderer.singular("status")).isEqualTo("status");
        assertThat(XmlRenderer.singular("dnsServers")).isEqualTo("dnsServer");
    }
}
