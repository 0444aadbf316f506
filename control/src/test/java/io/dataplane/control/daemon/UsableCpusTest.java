package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.dataplane.ffi.CpuAffinity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class UsableCpusTest {

    @Test
    void parsesTheKernelsListForm() {
        BitSet expected = new BitSet();
        expected.set(0, 4);
        expected.set(8);
        expected.set(10, 12);
        assertEquals(expected, UsableCpus.parseList("0-3,8,10-11\n"));
        assertEquals(new BitSet(), UsableCpus.parseList(""));
        assertEquals("0-3,8,10-11", new UsableCpus(expected).toString());
    }

    /** bin/bench starts the daemon under taskset on the generator CPU; its workers still go to the router CPU. */
    @Test
    void aNarrowAffinityMaskDoesNotHideOnlineCpus() throws Exception {
        BitSet online = UsableCpus.parseList(Files.readString(Path.of("/sys/devices/system/cpu/online")));
        int last = online.length() - 1;
        AtomicReference<UsableCpus> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            CpuAffinity.pin(online.nextSetBit(0));
            seen.set(UsableCpus.ofThisProcess());
        });
        t.start();
        t.join();
        assertNull(seen.get().refusal(last, 1), seen.get().toString());
        assertNotNull(seen.get().refusal(last + 1, 1));
    }
}
