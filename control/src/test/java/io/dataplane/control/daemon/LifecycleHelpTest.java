package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The help of both commands names the lifecycle commands and what SIGHUP does. */
class LifecycleHelpTest {
    @Test
    void helpNamesStatusRunningConfigAndTheReload() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataplaneMain.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String run = out.toString(StandardCharsets.UTF_8);
        out.reset();
        Dpctl.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String dpctl = out.toString(StandardCharsets.UTF_8);
        for (String help : new String[] {run, dpctl}) {
            assertTrue(help.contains("show running-config"), help);
            assertTrue(help.contains("status   (uptime"), help);
            assertTrue(help.contains("on the socket while the daemon runs"), help);
            assertTrue(help.contains("port del dev NAME"), help);
        }
        assertTrue(run.contains("SIGHUP re-reads FILE"), run);
        assertTrue(run.contains("READY, RELOADING, STOPPING"), run);
    }
}
