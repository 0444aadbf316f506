package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/lib/common.sh's build check, run in bash on a copy of the launcher: a launcher that checked
 * the build tells its children, so a daemon that bin/bench starts mid-run does not rebuild the jars
 * under the running harness when a source file was edited since.
 */
class LauncherBuildCheckTest {
    @TempDir
    Path home;

    /** ensure_built's exit status in a tree whose one source file is newer than its jar; Maven "fails". */
    private String ensureBuilt(Map<String, String> env) throws IOException, InterruptedException {
        Path lib = Files.createDirectories(home.resolve("bin/lib"));
        Files.copy(Path.of("..", "bin/lib/common.sh"), lib.resolve("common.sh"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(home.resolve("pom.xml"), "<dataplane.jvm.args>-Xss1m</dataplane.jvm.args>\n");
        Path jar = Files.createDirectories(home.resolve("perf/target")).resolve("perf.jar");
        Files.writeString(jar, "");
        Path source = Files.createDirectories(home.resolve("control/src/main/java")).resolve("A.java");
        Files.writeString(source, "class A {}\n");
        Files.setLastModifiedTime(home.resolve("pom.xml"), FileTime.fromMillis(0));
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(source, FileTime.fromMillis(2_000_000));
        // ensure_maven stands in for the build: it fails, so a build attempt shows as status 1.
        String script = "source bin/lib/common.sh; ensure_maven() { return 1; }; ensure_built; echo \"status $?\"";
        ProcessBuilder pb = new ProcessBuilder("bash", "--norc", "-c", script).directory(home.toFile()).redirectErrorStream(true);
        pb.environment().remove("DATAPLANE_BUILD_CHECKED");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> l.startsWith("status ")).findFirst().orElse(out);
    }

    @Test
    void aStaleTreeIsRebuiltUnlessAParentLauncherCheckedTheBuild() throws Exception {
        assertEquals("status 1", ensureBuilt(Map.of()), "a source newer than the jar must make the launcher build");
        assertEquals("status 0", ensureBuilt(Map.of("DATAPLANE_BUILD_CHECKED", "1")),
                "a launcher's child must run the jars its parent checked, not rebuild them");
    }
}
