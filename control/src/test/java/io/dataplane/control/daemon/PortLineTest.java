package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link PortLine}: a port line written back parses into the same spec, its non-default options kept. */
class PortLineTest {

    @Test
    void portLinesRoundTripWithTheirOptions() {
        String[] lines = {
            "port add dev p0 type memory",
            "port add dev veth0 xdp-mode generic",
            "port add dev veth1 mode copy queues 2 cpu 1 mtu 9000",
            "port add dev veth2 idle busy-spin sched other",
            "port add dev veth3 idle poll sched fifo 2",
            "port add dev p3 type memory address 02:aa:00:00:00:03"};
        for (String line : lines) {
            PortSpec spec = PortGrammar.portAdd(line);
            assertEquals(line, PortLine.of(spec), line);
            assertEquals(spec, PortGrammar.portAdd(PortLine.of(spec)), line);
        }
    }

    /** The verbs and options abbreviate as completion resolves them (Keywords.PORT_VERBS, PORT_ADD_OPTIONS). */
    @Test
    void verbsAndOptionsMayBeAbbreviatedAsCompletionResolvesThem() {
        assertEquals(PortGrammar.portAdd("port add dev veth1 mode copy queues 2 xdp-mode generic"),
                PortGrammar.portAdd("port a dev veth1 m copy q 2 x generic"));
        assertEquals("port del", PortGrammar.command("port d dev veth1"));
        assertEquals("veth1", PortGrammar.portDel("port delete dev veth1"));
        assertEquals("port add", PortGrammar.command("port add dev veth1"));
    }
}
