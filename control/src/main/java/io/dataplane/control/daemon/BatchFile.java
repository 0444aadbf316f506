package io.dataplane.control.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A {@code dpctl -batch} file of plain command lines, kept as the bytes it was read as and sent
 * from them: what {@link Dpctl} would send for it line by line (each line stripped, blank and
 * comment lines left out, inside 'batch begin' / 'batch commit'), without a String per line
 * decoded, stripped and encoded again. A full table is a million lines, and until they are read
 * the daemon waits. Only ASCII files that do not manage their own batches are read so; for any
 * other {@link #read} answers null and Dpctl takes its general path.
 */
final class BatchFile {
    private static final byte[] BEGIN = "batch begin\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMMIT = "batch commit\n".getBytes(StandardCharsets.US_ASCII);

    private final byte[] bytes;
    /** Of each command line (stripped, not blank): where it starts and ends in {@link #bytes}, and its number in the file. */
    private final int[] starts;
    private final int[] ends;
    private final int[] lineNumbers;
    private final int commands;

    private BatchFile(byte[] bytes, int[] starts, int[] ends, int[] lineNumbers, int commands) {
        this.bytes = bytes;
        this.starts = starts;
        this.ends = ends;
        this.lineNumbers = lineNumbers;
        this.commands = commands;
    }

    /**
     * The file, or null if it is not plain ASCII or a line's first word (after options) may be
     * 'batch': lines end at '\n', '\r' or "\r\n" as {@code Files.readAllLines} ends them, and are
     * stripped of what {@code String.strip} strips.
     */
    static BatchFile read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int terminators = 0;
        for (byte x : b) {
            if (x < 0) {
                return null; // not ASCII: Dpctl decodes it (and says so if it is not UTF-8)
            }
            if (x == '\n' || x == '\r') {
                terminators++;
            }
        }
        int capacity = terminators + 1;
        int[] starts = new int[capacity];
        int[] ends = new int[capacity];
        int[] numbers = new int[capacity];
        int commands = 0;
        int line = 0;
        int i = 0;
        while (i < b.length) {
            int start = i;
            while (i < b.length && b[i] != '\n' && b[i] != '\r') {
                i++;
            }
            int end = i;
            if (i < b.length) {
                i += b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n' ? 2 : 1;
            }
            line++;
            while (start < end && stripped(b[start])) {
                start++;
            }
            while (end > start && stripped(b[end - 1])) {
                end--;
            }
            if (start == end || b[start] == '#') {
                continue; // blank or a comment: not sent
            }
            if (mayBeBatch(b, start, end)) {
                return null;
            }
            starts[commands] = start;
            ends[commands] = end;
            numbers[commands] = line;
            commands++;
        }
        return new BatchFile(b, starts, ends, numbers, commands);
    }

    /** What {@code String.strip} removes, among ASCII characters ({@code Character.isWhitespace}). */
    private static boolean stripped(byte c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
    }

    /** Whether the first word not starting with '-' starts with 'b' (words split at regex {@code \s}), as Dpctl's check of batch lines. */
    private static boolean mayBeBatch(byte[] b, int start, int end) {
        int i = start;
        while (i < end) {
            while (i < end && regexSpace(b[i])) {
                i++;
            }
            if (i < end && b[i] != '-') {
                return b[i] == 'b';
            }
            while (i < end && !regexSpace(b[i])) {
                i++;
            }
        }
        return false;
    }

    private static boolean regexSpace(byte c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** Command lines to send (what the daemon answers, besides 'batch begin' and 'batch commit'). */
    int commands() {
        return commands;
    }

    /** The file's line number of each command line, in order. */
    int[] lineNumbers() {
        return Arrays.copyOf(lineNumbers, commands);
    }

    /** Sends 'batch begin', the command lines and 'batch commit' to {@code ch} (blocking), in large writes. */
    void send(WritableByteChannel ch) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        out.put(BEGIN);
        for (int k = 0; k < commands; k++) {
            int length = ends[k] - starts[k];
            if (out.remaining() < length + 1) {
                flush(ch, out);
            }
            if (out.remaining() < length + 1) {
                writeAll(ch, ByteBuffer.wrap(bytes, starts[k], length)); // longer than the buffer (the daemon refuses it, as any)
                out.put((byte) '\n');
                continue;
            }
            out.put(bytes, starts[k], length).put((byte) '\n');
        }
        if (out.remaining() < COMMIT.length) {
            flush(ch, out);
        }
        out.put(COMMIT);
        flush(ch, out);
    }

    /** Writes what was put into {@code out} and empties it. */
    private static void flush(WritableByteChannel ch, ByteBuffer out) throws IOException {
        out.flip();
        writeAll(ch, out);
        out.clear();
    }

    private static void writeAll(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
