package io.dataplane.testing;

import io.dataplane.ffi.Privileges;
import io.dataplane.ffi.Shell;
import io.dataplane.ffi.NetNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Test network namespaces with unique names (the JVM's pid in each), always deleted by
 * {@link #close()}, plus helpers to run commands and Java code inside them. Tests that use it need
 * root: they run in CI (CI=true, as root) and skip elsewhere, saying why.
 */
public final class Netns implements AutoCloseable {
    private final String prefix;
    private final List<String> created = new ArrayList<>();

    /** Namespaces named {@code dpt-<tag>-<pid>-<name>}. */
    public Netns(String tag) {
        assumeRoot();
        this.prefix = "dpt-" + tag + "-" + ProcessHandle.current().pid() + "-";
    }

    public static boolean inCi() {
        return Privileges.inCi();
    }

    /** Skips outside CI without root, saying why; in CI (CI=true) without root it fails instead. */
    public static void assumeRoot() {
        Privileges.assumeRoot();
    }

    /** Creates namespace {@code name} with loopback up and returns its full name. */
    public String add(String name) {
        String full = prefix + name;
        run("ip", "netns", "add", full);
        created.add(full);
        run("ip", "-n", full, "link", "set", "lo", "up");
        return full;
    }

    public String name(String name) {
        return prefix + name;
    }

    /** A veth pair: {@code a} in namespace {@code nsA}, {@code b} in {@code nsB}, both up. */
    public void veth(String nsA, String a, String nsB, String b) {
        run("ip", "-n", nsA, "link", "add", a, "type", "veth", "peer", "name", b, "netns", nsB);
        run("ip", "-n", nsA, "link", "set", a, "up");
        run("ip", "-n", nsB, "link", "set", b, "up");
    }

    /** {@code ip -n NS args...}. */
    public String ip(String ns, String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "ip";
        cmd[1] = "-n";
        cmd[2] = ns;
        System.arraycopy(args, 0, cmd, 3, args.length);
        return run(cmd);
    }

    /** {@code ip netns exec NS command...}. */
    public String exec(String ns, String... command) {
        return run(inNamespace(ns, command));
    }

    private static String[] inNamespace(String ns, String... command) {
        String[] cmd = new String[command.length + 4];
        cmd[0] = "ip";
        cmd[1] = "netns";
        cmd[2] = "exec";
        cmd[3] = ns;
        System.arraycopy(command, 0, cmd, 4, command.length);
        return cmd;
    }

    /** {@code ip netns exec NS command...}, returning its output whatever its exit status (ping with no reply exits 1). */
    public String output(String ns, String... command) {
        String[] cmd = inNamespace(ns, command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs Java code on a thread inside the namespace (sockets it opens stay there). */
    public <T> T call(String ns, Callable<T> body) {
        return NetNamespace.call(ns, body);
    }

    public static String run(String... command) {
        return Shell.run(command);
    }

    /** Deletes every namespace this object created (their veths go with them). */
    @Override
    public void close() {
        for (String ns : created.reversed()) {
            try {
                run("ip", "netns", "del", ns);
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        created.clear();
    }
}
