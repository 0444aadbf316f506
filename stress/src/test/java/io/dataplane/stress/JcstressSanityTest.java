package io.dataplane.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs this module's jcstress tests (ring publication, ring slot reuse, quiescent reclamation) in
 * jcstress's short 'sanity' mode, in JVMs jcstress forks; 'bin/bench jcstress' runs them longer.
 * A forbidden outcome makes jcstress exit 1.
 */
class JcstressSanityTest {
    private static final List<Class<?>> TESTS = List.of(XskRingPublication.class, XskRingSlotReuse.class, QuiescenceReclamation.class);

    @Test
    void noForbiddenOutcome() throws Exception {
        Path results = Files.createTempDirectory("jcstress");
        Path log = results.resolve("jcstress.log");
        try {
            String java = ProcessHandle.current().info().command().orElseThrow();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.openjdk.jcstress.Main",
                    "-t", "io\\.dataplane\\.stress\\..*", "-m", "sanity", "-r", results.toString())
                    .directory(results.toFile()) // where jcstress drops its result blob
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(10, TimeUnit.MINUTES), "jcstress hung"); // a hang guard, not a measurement
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            // without -v jcstress names only the tests that failed or were interesting; the count says all three ran
            assertTrue(out.contains("Failed tests: No matches") && out.contains("Error tests: No matches")
                    && out.contains("All remaining tests: " + TESTS.size() + " matching test results"), out);
        } finally {
            try (var files = Files.walk(results)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
