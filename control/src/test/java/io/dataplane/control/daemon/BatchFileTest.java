package io.dataplane.control.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dataplane.control.command.CommandParser;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plain batch file sent from its bytes is what Dpctl sends for it line by line; any other file is left to Dpctl. */
class BatchFileTest {
    @TempDir
    Path dir;

    /** What Dpctl's general path sends for a file that does not manage its own batches, and the line numbers of what it sends. */
    private static String lineByLine(List<String> lines, List<Integer> numbers) {
        StringBuilder b = new StringBuilder("batch begin\n");
        for (int i = 0; i < lines.size(); i++) {
            if (!CommandParser.isBlank(lines.get(i))) {
                b.append(lines.get(i).strip()).append('\n');
                numbers.add(i + 1);
            }
        }
        return b.append("batch commit\n").toString();
    }

    private static String sent(BatchFile f) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.send(Channels.newChannel(out));
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void generatedFilesAreSentAsLineByLine() throws Exception {
        Random r = new Random(17);
        String[] pieces = {"route add 16.0.0.0/24 via 10.1.0.2 dev d0", "  route del 16.1.0.0/24", "# a comment", "", "   ",
            "\t-j route show", "\u001croute add 1.0.0.0/8 blackhole\u001f", "-4 neigh show", " \u000b", "nexthop add id 3 via 10.1.0.2 dev d0",
            "route add 2.0.0.0/8 via 10.1.0.2 dev d0 # not a comment", "-b", "-x -y", "link set dev d0 up"};
        String[] ends = {"\n", "\r\n", "\r", "\n\n", "\r\r\n"};
        int taken = 0;
        for (int file = 0; file < 300; file++) {
            StringBuilder text = new StringBuilder();
            for (int k = r.nextInt(40); k > 0; k--) {
                text.append(pieces[r.nextInt(pieces.length)]).append(ends[r.nextInt(ends.length)]);
            }
            if (r.nextBoolean()) {
                text.append(pieces[r.nextInt(pieces.length)]); // a last line without its end
            }
            Path p = dir.resolve("f" + file);
            Files.writeString(p, text, StandardCharsets.US_ASCII);
            List<String> lines = Files.readAllLines(p);
            BatchFile f = BatchFile.read(p);
            assertNotNull(f, text::toString);
            assertTrue(lines.stream().noneMatch(Dpctl::isBatchLine));
            List<Integer> numbers = new ArrayList<>();
            assertEquals(lineByLine(lines, numbers), sent(f), text::toString);
            assertEquals(numbers.size(), f.commands());
            assertArrayEquals(numbers.stream().mapToInt(Integer::intValue).toArray(), f.lineNumbers());
            taken++;
        }
        assertEquals(300, taken);
    }

    @Test
    void aLineLongerThanTheBufferIsSentWhole() throws Exception {
        String longLine = "route add 16.0.0.0/24 via 10.1.0.2 dev " + "x".repeat(100_000);
        Path p = dir.resolve("long");
        Files.writeString(p, "route show\n" + longLine + "\nroute show\n");
        assertEquals("batch begin\nroute show\n" + longLine + "\nroute show\nbatch commit\n", sent(BatchFile.read(p)));
    }

    @Test
    void filesThatMayManageTheirBatchesOrAreNotAsciiAreLeftToDpctl() throws Exception {
        for (String text : new String[] {"batch begin\nroute show\nbatch commit\n", "route show\n  -j  b\n", "route show\nbogus\n",
            "route add 1.0.0.0/8 via 10.1.0.2 dev d\u00e9v\n", "-j batch commit"}) {
            Path p = dir.resolve("other");
            Files.writeString(p, text, StandardCharsets.UTF_8);
            assertNull(BatchFile.read(p), text);
        }
    }
}
