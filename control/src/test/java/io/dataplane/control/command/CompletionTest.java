package io.dataplane.control.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated bash completion, run in bash: it completes what the grammar accepts, abbreviations included. */
class CompletionTest {

    /** What bash offers for the command line {@code words}, the last one being completed. */
    private static List<String> complete(String... words) throws Exception {
        StringBuilder line = new StringBuilder(Completion.bash()).append("\nCOMP_WORDS=(dpctl");
        for (String w : words) {
            line.append(" '").append(w).append('\'');
        }
        line.append("); COMP_CWORD=").append(words.length).append("; _dpctl; echo \"${COMPREPLY[*]}\"\n");
        Process p = new ProcessBuilder("bash", "--norc", "-c", line.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out.isEmpty() ? List.of() : List.of(out.split(" "));
    }

    @Test
    void objectsVerbsAndArgumentsAreCompletedFromTheKeywordTables() throws Exception {
        assertEquals(List.of("route"), complete("ro"));
        assertEquals(List.of("nexthop", "neigh"), complete("n"));
        assertEquals(Keywords.ROUTE_VERBS.spellings().stream().filter(v -> v.startsWith("s")).toList(), complete("route", "s"));
        assertTrue(complete("r", "s", "").containsAll(List.of("root", "match", "exact", "dev", "via", "table", "protocol")),
                "'r s' is route show, so its selectors are offered");
        assertTrue(complete("ro", "a", "10.0.0.0/8", "").containsAll(List.of("blackhole", "via", "dev", "nexthop")));
        assertEquals(List.of("-json"), complete("-j"));
        assertTrue(complete("nexthop", "").contains("replace"));
    }

    @Test
    void portVerbsAndTheOptionsOfPortAddAreCompleted() throws Exception {
        assertEquals(List.of("port"), complete("po"));
        assertEquals(List.of("add"), complete("port", "a"));
        assertEquals(List.of("del", "delete"), complete("port", "d"));
        assertTrue(complete("port", "add", "dev", "eth0", "").containsAll(List.of("type", "queues", "mode", "xdp-mode", "cpu",
                "idle", "sched", "mtu")));
        assertEquals(List.of("xdp-mode"), complete("port", "a", "dev", "eth0", "x"));
        assertEquals(List.of("dev"), complete("port", "del", ""));
    }
}
