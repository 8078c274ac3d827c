package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keeps the README's first code block true: every line of it stands, in order, in Quickstart. */
class ReadmeTest {

    @Test
    void readmeCodeIsTheQuickstartCode() throws IOException {
        List<String> readme = firstJavaBlock(Files.readString(Path.of("..", "README.md")));
        String example = Files.readString(Path.of("src/main/java/io/nanostream/examples/Quickstart.java"))
                .replaceAll("\\s+", " ");
        int from = 0;
        for (String line : readme) {
            String code = normalize(line);
            if (code.isEmpty() || code.startsWith("//") || code.equals("}")) {
                continue;
            }
            int at = example.indexOf(code, from);
            assertTrue(at >= 0, "README line not found in Quickstart.java, in order: " + line);
            from = at + code.length();
        }
        assertEquals(List.of("a", "c"), assertDoesRun());
    }

    @Test
    void theFirstScreenGivesTheDemoCommandAndTheTestCommand() throws IOException {
        List<String> firstScreen = Files.readString(Path.of("..", "README.md")).lines().limit(50).toList();
        String ciScript = Files.readString(Path.of("..", ".ci", "run"));
        String pom = Files.readString(Path.of("pom.xml"));

        assertTrue(firstScreen.contains("mvn -q -pl src-examples -am compile exec:java"), "the demo command");
        assertTrue(pom.contains("<exec.mainClass>" + io.nanostream.examples.etl.EtlDemo.class.getName() + "</exec.mainClass>"),
                "exec:java runs the ETL demo, which EtlDemoTest runs");
        assertTrue(firstScreen.contains("mvn -B verify"), "the test command");
        assertTrue(ciScript.lines().anyMatch(line -> line.equals("mvn -B verify")), "CI runs the README's test command");
    }

    @Test
    void theTopologyPictureIsTheEtlDemosOwn() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("```mermaid\n") + "```mermaid\n".length();
        String picture = readme.substring(start, readme.indexOf("```", start));

        assertEquals(io.nanostream.examples.etl.EtlDemo.topology(), picture);
    }

    private static List<String> assertDoesRun() {
        try {
            return Quickstart.run();
        } catch (Exception e) {
            throw new AssertionError("the README pipeline failed", e);
        }
    }

    private static String normalize(String line) {
        return line.trim().replaceAll("\\s+", " ");
    }

    private static List<String> firstJavaBlock(String markdown) {
        int start = markdown.indexOf("```java\n") + "```java\n".length();
        int end = markdown.indexOf("```", start);
        return markdown.substring(start, end).lines().toList();
    }
}
