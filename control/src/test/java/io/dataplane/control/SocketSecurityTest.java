package io.dataplane.control;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who may use the command socket. Running a client as another user needs root; in CI (CI=true,
 * run as root) these tests must run, elsewhere they are skipped with a message.
 */
class SocketSecurityTest {
    private ServerHarness h;

    @BeforeEach
    void rootOrSkip() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(root, "CI must run these tests as root");
        }
        assumeTrue(root, "skipped: running a client as user 'nobody' needs root (CI runs this as root)");
        h = new ServerHarness(ServerHarness.testLimits());
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    /**
     * Runs a tiny client as 'nobody' (a single-file Java program in the test's temp directory, so
     * that nothing under the build directory needs to be readable by nobody) and returns what it
     * printed: the server's first reply line, or why it could not connect.
     */
    private String asNobody(String command) throws Exception {
        Files.setPosixFilePermissions(h.dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        java.nio.file.Path src = h.dir.resolve("PeerClient.java");
        Files.writeString(src, """
                import java.io.*;
                import java.net.UnixDomainSocketAddress;
                import java.nio.channels.*;
                public class PeerClient {
                    public static void main(String[] a) throws Exception {
                        SocketChannel ch;
                        try {
                            ch = SocketChannel.open(UnixDomainSocketAddress.of(a[0]));
                        } catch (IOException e) {
                            System.out.println("connect failed: " + e.getMessage());
                            return;
                        }
                        try {
                            Writer w = new OutputStreamWriter(Channels.newOutputStream(ch));
                            w.write(a[1] + "\\n");
                            w.flush();
                        } catch (IOException e) {
                            // a refused client may find the connection closed already; the reply is still readable
                        }
                        System.out.println(new BufferedReader(new InputStreamReader(Channels.newInputStream(ch))).readLine());
                    }
                }
                """);
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
        String java = System.getProperty("java.home") + "/bin/java";
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                java, src.toString(), h.socket.toString(), command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "client as nobody did not finish");
        String out = new String(p.getInputStream().readAllBytes()).strip();
        Files.delete(src);
        return out;
    }

    @Test
    void socketIsOwnedByRootWithMode0660() throws Exception {
        PosixFileAttributes a = Files.readAttributes(h.socket, PosixFileAttributes.class);
        assertEquals("root", a.owner().getName());
        assertEquals("root", a.group().getName());
        assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
    }

    @Test
    void anotherUserCannotEvenOpenTheSocketFile() throws Exception {
        String out = asNobody("route show");
        assertTrue(out.startsWith("connect failed: ") && out.contains("ermission denied"), out);
    }

    @Test
    void anotherUserIsRefusedByPeerCredentialsEvenIfTheModeIsLoosened() throws Exception {
        Files.setPosixFilePermissions(h.socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String reply = asNobody("route add 10.66.0.0/16 via 192.0.2.1 dev p1");
        assertTrue(reply.startsWith("error: permission denied: user 'nobody' is neither root nor a member of group 'root'"), reply);
        try (var c = h.client()) {
            assertEquals(List.of("ok"), c.call("route show 10.66.0.0/16"), "the refused route is not there (an empty selection prints nothing, as in ip)");
        }
    }

    @Test
    void aMemberOfTheConfiguredGroupIsAccepted() throws Exception {
        assertNull(new SocketAccess("nogroup").refusal("nobody", "nogroup"));
        assertNotNull(new SocketAccess("root").refusal("nobody", "nogroup"));
    }
}
