package io.dataplane.control.daemon;

import io.dataplane.control.CommandServer;
import io.dataplane.control.Reply;
import io.dataplane.control.command.Command;
import io.dataplane.control.command.CommandException;
import io.dataplane.control.command.CommandParser;
import io.dataplane.control.command.Completion;
import io.dataplane.control.command.Keywords;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/dpctl}: sends one command (its arguments) or a file of commands ({@code -batch}) to
 * the daemon's command socket and prints the replies. Exit status: 0 success, 1 a command failed,
 * 2 usage error, 3 the daemon cannot be reached.
 */
public final class Dpctl {

    static final String USAGE = """
            usage: dpctl [--socket PATH] [OPTIONS] OBJECT COMMAND [ARGS...]
                   dpctl [--socket PATH] [OPTIONS] [-force] -batch FILE|-
                   dpctl --help | --version | --completion

              Sends the command to the dataplane daemon and prints the reply. Options and
              keywords may be abbreviated as in ip ('r s' is 'route show', '-br' is '-brief').
              -batch FILE  reads commands from FILE ('-' for stdin), one per line as 'ip -batch';
                           the file is applied as one batch (atomic, unlike ip): if any line
                           fails, its line number and the error are printed and nothing of the
                           file is applied. A file with its own 'batch begin/commit' lines is
                           sent as it is instead.
              -force       with -batch: as 'ip -force -batch', every line is applied on its own,
                           a bad line is reported and the rest go on (exit status 1 if any failed)
              -j           JSON output shaped like 'ip -j'; -p (with -j) pretty-printed as 'ip -j -p'
              -4 | -6      IPv4 or IPv6 only (route show, route flush, neigh show)
              -o           one line per record, continuation lines joined with '\\' as 'ip -o'
              -s, -d, -br  statistics, details, brief output (accepted as ip's options)
              --socket     the daemon's socket (default /run/dataplane/dataplane.sock)
              --completion prints the bash completion (generated from the grammar), e.g.
                           'dpctl --completion > /etc/bash_completion.d/dpctl'
              exit status: 0 success, 1 a command failed, 2 usage error, 3 daemon not reachable

            Commands:
            """;

    private Dpctl() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs dpctl and returns its exit status (separate from main for tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path socket = CommandServer.DEFAULT_SOCKET;
        String batch = null;
        boolean force = false;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (words.isEmpty() && (a.equals("--help") || a.equals("-h") || a.equals("help"))) {
                out.println(USAGE + CommandReference.text());
                return 0;
            } else if (words.isEmpty() && a.equals("--completion")) {
                out.print(Completion.bash()); // bash completion, generated from the grammar's keyword tables
                return 0;
            } else if (words.isEmpty() && (a.equals("--version") || a.equals("-V"))) {
                out.println("dpctl " + Version.number());
                return 0;
            } else if (onlyOptions(words) && dpctlOption(a).equals("-force")) {
                force = true;
            } else if (onlyOptions(words) && (a.equals("--socket") || dpctlOption(a).equals("-batch"))) {
                if (i + 1 >= args.length) {
                    err.println("dpctl: " + a + " needs a value\n" + USAGE);
                    return 2;
                }
                if (a.equals("--socket")) {
                    socket = Path.of(args[++i]);
                } else {
                    batch = args[++i];
                }
            } else {
                words.add(a);
            }
        }
        if (batch == null && words.isEmpty()) {
            err.println("dpctl: no command given\n" + USAGE);
            return 2;
        }
        if (batch != null && !onlyOptions(words)) {
            err.println("dpctl: give either a command or -batch FILE, not both");
            return 2;
        }
        if (force && batch == null) {
            err.println("dpctl: -force applies to -batch FILE only");
            return 2;
        }
        String options = batch == null || words.isEmpty() ? "" : String.join(" ", words) + " ";
        BatchFile plain = null;
        if (batch != null && !force && options.isEmpty() && !batch.equals("-")) {
            try {
                plain = BatchFile.read(Path.of(batch));
            } catch (IOException e) {
                err.println("dpctl: cannot read " + batch + ": " + e);
                return 2;
            }
        }
        List<String> lines;
        try {
            lines = batch == null || plain != null ? null : batch.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().toList()
                    : Files.readAllLines(Path.of(batch));
        } catch (IOException e) {
            err.println("dpctl: cannot read " + batch + ": " + e);
            return 2;
        }
        SocketChannel ch;
        try {
            ch = connect(socket);
        } catch (IOException e) {
            err.println("dpctl: " + e.getMessage());
            return 3;
        }
        try (ch) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8), 1 << 16);
            if (plain != null) {
                return runBatch(plain, batch, ch, in, out, err);
            }
            if (lines == null) {
                IOException writeFailure = null;
                try {
                    w.write(String.join(" ", words));
                    w.write('\n');
                    w.flush();
                } catch (IOException e) {
                    writeFailure = e; // a refused client finds the connection closed; the refusal is still readable
                }
                String e;
                try {
                    e = reply(in, out);
                } catch (IOException re) {
                    throw writeFailure != null ? writeFailure : re;
                }
                if (e != null) {
                    err.println("dpctl: " + e);
                    return 1;
                }
                return isMonitor(words) ? monitor(in, out, socket, err) : 0;
            }
            String name = batch.equals("-") ? "stdin" : batch;
            List<String> prefixed = options.isEmpty() ? lines
                    : lines.stream().map(l -> CommandParser.isBlank(l) ? l : options + l.strip()).toList();
            return force ? runForced(prefixed, name, w, in, out, err) : runBatch(prefixed, name, w, in, out, err);
        } catch (IOException e) {
            err.println("dpctl: lost the connection to the daemon at " + socket + ": " + e.getMessage());
            return 3;
        }
    }

    private static boolean isMonitor(List<String> words) {
        try {
            return CommandParser.parse(String.join(" ", words)).command() instanceof io.dataplane.control.command.Command.Monitor;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@code monitor}: prints each event as it comes, until interrupted or the daemon goes away (exit 3). */
    private static int monitor(BufferedReader in, PrintStream out, Path socket, PrintStream err) {
        while (true) {
            out.flush();
            try {
                reply(in, out);
            } catch (IOException e) {
                err.println("dpctl: the daemon at " + socket + " closed the connection");
                return 3;
            }
        }
    }

    private static SocketChannel connect(Path socket) throws IOException {
        if (!Files.exists(socket)) {
            throw new IOException("the dataplane daemon is not running (no socket at " + socket
                    + "); start it with 'bin/dataplane run', or pass --socket PATH");
        }
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("ermission")) {
                throw new IOException("permission denied on " + socket + ": run as root or as a member of the daemon's group");
            }
            if (m.contains("efused")) {
                throw new IOException("the dataplane daemon is not running (" + socket + " exists but nobody answers: a stale socket); start it with 'bin/dataplane run'");
            }
            throw new IOException("cannot connect to " + socket + ": " + m);
        }
    }

    /**
     * Streams the file inside 'batch begin' / 'batch commit' from a second thread while this one
     * reads the replies, so a million lines cost one round trip, not a million.
     */
    private static int runBatch(List<String> lines, String name, BufferedWriter w, BufferedReader in, PrintStream out,
                                PrintStream err) throws IOException {
        int[] lineNumbers = new int[lines.size()]; // of the lines sent (not blank), in order
        int sent = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (!CommandParser.isBlank(lines.get(i))) {
                lineNumbers[sent++] = i + 1;
            }
        }
        // A file that manages its own batches is sent as it is; any other file becomes one batch.
        boolean wrap = lines.stream().noneMatch(Dpctl::isBatchLine);
        int unterminated = wrap ? 0 : unterminatedBatchLine(lines);
        return replies(sent, lineNumbers, wrap, unterminated, name, in, out, err, () -> {
            if (wrap) {
                w.write("batch begin\n");
            }
            for (String l : lines) {
                if (!CommandParser.isBlank(l)) {
                    w.write(l.strip());
                    w.write('\n');
                }
            }
            if (wrap) {
                w.write("batch commit\n");
            }
            w.flush();
        });
    }

    /** {@link #runBatch(List, String, BufferedWriter, BufferedReader, PrintStream, PrintStream)} of a file {@link BatchFile} read as it is. */
    private static int runBatch(BatchFile file, String name, SocketChannel ch, BufferedReader in, PrintStream out, PrintStream err)
            throws IOException {
        return replies(file.commands(), file.lineNumbers(), true, 0, name, in, out, err, () -> file.send(ch));
    }

    private interface Sender {
        void send() throws IOException;
    }

    /**
     * Runs {@code sender} on a second thread and reads the {@code sent} lines' replies (and the
     * wrapping 'batch begin/commit' ones when {@code wrap}) here, naming the first failure with
     * its line number ({@code lineNumbers}: of each line sent, in order).
     */
    private static int replies(int sent, int[] lineNumbers, boolean wrap, int unterminated, String name, BufferedReader in,
                               PrintStream out, PrintStream err, Sender sender) throws IOException {
        IOException[] sendFailure = new IOException[1];
        Thread sending = Thread.ofPlatform().name("dpctl-send").start(() -> {
            try {
                sender.send();
            } catch (IOException e) {
                sendFailure[0] = e;
            }
        });
        String first = null;
        String e = wrap ? reply(in, out) : null;
        if (e != null) {
            first = name + ": " + e;
        }
        for (int k = 0; k < sent; k++) {
            int n = lineNumbers[k];
            e = reply(in, out);
            if (e != null && first == null) {
                first = name + ":" + n + ": " + e;
            }
        }
        e = wrap ? reply(in, out) : null;
        if (e != null && first == null) {
            first = name + ": " + e;
        }
        try {
            sending.join();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        if (sendFailure[0] != null && first == null) {
            throw sendFailure[0];
        }
        if (first == null && unterminated > 0) {
            first = name + ":" + unterminated + ": 'batch begin' is never followed by 'batch commit'; the daemon dropped that batch, nothing of it was applied";
        }
        if (first != null) {
            err.println("dpctl: " + first);
            return 1;
        }
        return 0;
    }

    /**
     * Whether {@code line} is 'batch begin|commit|abort' (any spelling): what makes a file manage its
     * own batches. Any other line that merely starts with 'batch' (a typo) must not make the file
     * non-atomic. Only lines whose object is 'batch' are parsed, so a large file costs nothing more.
     */
    static boolean isBatchLine(String line) {
        String object = firstNonOption(line.strip());
        if (object == null || !Keywords.OBJECTS.resolve(object).equals("batch")) {
            return false;
        }
        try {
            Command c = CommandParser.parse(line).command();
            return c instanceof Command.BatchBegin || c instanceof Command.BatchCommit || c instanceof Command.BatchAbort;
        } catch (CommandException e) {
            return false; // the daemon reports it with its line number, inside the batch
        }
    }

    /**
     * The first word of {@code line} (stripped) not starting with '-' if it starts with 'b', else
     * "" (it cannot be 'batch'); words split at regex
     * {@code \s} as {@code split("\\s+")} would, but without a regex or an array per line: a
     * full table is a million lines, and this scan runs before the first one is sent.
     */
    private static String firstNonOption(String line) {
        int n = line.length();
        int i = 0;
        while (i < n) {
            int end = i;
            while (end < n && !isRegexSpace(line.charAt(end))) {
                end++;
            }
            if (end > i && line.charAt(i) != '-') {
                // only 'batch' resolves to batch, and its abbreviations start with 'b' (a full
                // table's 'route' lines end here without a copy)
                return line.charAt(i) == 'b' ? line.substring(i, end) : "";
            }
            i = end;
            while (i < n && isRegexSpace(line.charAt(i))) {
                i++;
            }
        }
        return null;
    }

    private static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** Whether every word so far is an option ({@code -j}, {@code -4}, ...): what may come before {@code -batch}. */
    private static boolean onlyOptions(List<String> words) {
        return words.stream().allMatch(w -> w.startsWith("-"));
    }

    /** {@code a} as ip abbreviates its options ({@code -b} is -batch, {@code -f} -family, {@code -fo} -force). */
    private static String dpctlOption(String a) {
        return a.length() < 2 || !a.startsWith("-") ? a : Keywords.OPTIONS.resolve(a.startsWith("--") ? a.substring(1) : a);
    }

    /**
     * {@code -force -batch}: each line applied on its own, as {@code ip -force -batch} does; every
     * failing line is reported with its number, and the status is 1 if any failed.
     */
    private static int runForced(List<String> lines, String name, BufferedWriter w, BufferedReader in, PrintStream out,
                                 PrintStream err) throws IOException {
        IOException[] sendFailure = new IOException[1];
        Thread sender = Thread.ofPlatform().name("dpctl-send").start(() -> {
            try {
                for (String l : lines) {
                    if (!CommandParser.isBlank(l)) {
                        w.write(l.strip());
                        w.write('\n');
                    }
                }
                w.flush();
            } catch (IOException e) {
                sendFailure[0] = e;
            }
        });
        int failed = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (CommandParser.isBlank(lines.get(i))) {
                continue;
            }
            String e = reply(in, out);
            if (e != null) {
                err.println("dpctl: " + name + ":" + (i + 1) + ": " + e);
                failed++;
            }
        }
        try {
            sender.join();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        if (sendFailure[0] != null) {
            throw sendFailure[0];
        }
        return failed == 0 ? 0 : 1;
    }

    /** Line number of a 'batch begin' left open at the end of the file, or 0. */
    private static int unterminatedBatchLine(List<String> lines) {
        int open = 0;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip().replaceAll("\\s+", " ");
            if (l.equals("batch begin")) {
                open = i + 1;
            } else if (l.equals("batch commit") || l.equals("batch abort")) {
                open = 0;
            }
        }
        return open;
    }

    /** Reads one reply, prints its output, and returns its error message or null. */
    static String reply(BufferedReader in, PrintStream out) throws IOException {
        String l = in.readLine();
        if (l == null) {
            throw new IOException("the daemon closed the connection without replying");
        }
        if (l.equals(Reply.OK)) {
            return null;
        }
        if (l.startsWith(Reply.ERROR_PREFIX)) {
            return l.substring(Reply.ERROR_PREFIX.length());
        }
        while (!l.equals(Reply.END)) {
            out.println(l.startsWith("..") ? l.substring(1) : l);
            l = in.readLine();
            if (l == null) {
                throw new IOException("the daemon closed the connection in the middle of a reply");
            }
        }
        return null;
    }
}
