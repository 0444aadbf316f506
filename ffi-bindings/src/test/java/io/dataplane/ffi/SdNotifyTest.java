package io.dataplane.ffi;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SdNotify} reaches a listener bound as systemd binds NOTIFY_SOCKET: a path, or an abstract name. */
class SdNotifyTest {
    @TempDir
    Path dir;

    @Test
    void aPathAddressReceivesTheMessage() {
        String path = dir.resolve("notify").toString();
        try (NotifyListener systemd = new NotifyListener(path); SdNotify n = SdNotify.to(path).orElseThrow()) {
            n.send("READY=1\nSTATUS=serving");
            assertEquals("READY=1\nSTATUS=serving", systemd.receive(5000));
        }
        assertTrue(Files.exists(Path.of(path)));
    }

    @Test
    void anAbstractAddressReceivesTheMessage() {
        String name = "@dataplane-sdnotify-test-" + ProcessHandle.current().pid();
        try (NotifyListener systemd = new NotifyListener(name); SdNotify n = SdNotify.to(name).orElseThrow()) {
            n.send("STOPPING=1");
            assertEquals("STOPPING=1", systemd.receive(5000));
        }
    }

    @Test
    void noVariableMeansNothingToTell() {
        assertTrue(SdNotify.to(null).isEmpty());
        assertTrue(SdNotify.to("").isEmpty());
    }

    @Test
    void anUnreachableAddressIsAnError() {
        try (SdNotify n = SdNotify.to(dir.resolve("nobody").toString()).orElseThrow()) {
            assertThrows(NativeException.class, () -> n.send("READY=1"));
        }
    }

    @Test
    void monotonicMicrosFollowTheMonotonicClock() {
        long a = SdNotify.monotonicMicros();
        long b = SdNotify.monotonicMicros();
        assertTrue(a > 0 && b >= a, a + " then " + b);
        // HotSpot's nanoTime is CLOCK_MONOTONIC on Linux: the two agree to well within a second
        assertTrue(Math.abs(System.nanoTime() / 1000 - b) < 1_000_000, "monotonic " + b + " vs nanoTime " + System.nanoTime() / 1000);
    }
}
