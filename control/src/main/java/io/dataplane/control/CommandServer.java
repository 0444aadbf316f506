package io.dataplane.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The command socket: an AF_UNIX stream socket served by one non-blocking event loop that runs
 * on the control thread and hands complete lines to the {@link ControlPlane}.
 *
 * <p>Because every socket operation is non-blocking, no client can stall the loop: a line longer
 * than {@link Limits#maxLine} or containing binary bytes gets an error and the connection is
 * closed; half a line left unfinished for {@link Limits#lineTimeoutMillis}, an idle connection, or
 * an open batch with no command for {@link Limits#batchTimeoutMillis} is timed out with a message;
 * a client that does not read its replies stops being read from (its commands wait) rather than
 * filling memory, and is dropped when it makes no progress. Clients are served round-robin a few
 * commands at a time, so a client streaming a million routes does not starve the others.
 */
public final class CommandServer implements AutoCloseable {

    /** Protocol limits; {@link #defaults()} for the daemon, shorter time-outs in tests. */
    public record Limits(int maxLine, long lineTimeoutMillis, long idleTimeoutMillis, long batchTimeoutMillis,
                         long writeTimeoutMillis, int maxPendingLines, int maxUnsentBytes) {
        public static Limits defaults() {
            return new Limits(8192, 10_000, 600_000, 30_000, 30_000, 4096, 4 << 20);
        }
    }

    /** Where the socket is created when {@code --socket} is not given. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/dataplane/dataplane.sock");
    private static final int COMMANDS_PER_TURN = 256;

    private final Path path;
    private final ControlPlane plane;
    private final SocketAccess access;
    private final Limits limits;
    private static final System.Logger LOG = System.getLogger(CommandServer.class.getName());

    private final Selector selector;
    private static final long TIMER_INTERVAL_NANOS = 50_000_000L;
    private long lastTimers = System.nanoTime() - TIMER_INTERVAL_NANOS;
    private final java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ServerSocketChannel server;
    private final List<Session> sessions = new ArrayList<>();
    private volatile boolean running = true;

    private final class Session {
        final SocketChannel channel;
        final SelectionKey key;
        final String peer;
        final byte[] line;
        int lineLength;
        long partialSince = -1;
        long lastActivity;
        long lastWriteProgress;
        final ArrayDeque<String> pending = new ArrayDeque<>();
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        int unsent;
        boolean closeAfterFlush;
        boolean inputClosed;

        Session(SocketChannel channel, SelectionKey key, String peer, long now) {
            this.channel = channel;
            this.key = key;
            this.peer = peer;
            this.line = new byte[limits.maxLine()];
            this.lastActivity = now;
            this.lastWriteProgress = now;
        }

        void send(String text) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            if (out.isEmpty()) {
                lastWriteProgress = System.currentTimeMillis();
            }
            out.add(b);
            unsent += b.remaining();
        }

        /** Sends a final error and closes once it is written. */
        void fail(String message) {
            send(Reply.error(message).wire());
            closeAfterFlush = true;
            pending.clear();
        }
    }

    /**
     * One event of {@code monitor} for {@code s}. A client that does not read them is let go once
     * {@link Limits#maxUnsentBytes} wait for it (as the kernel drops a slow {@code ip monitor}'s
     * messages): the waiting events are dropped and the client is told why.
     */
    private void monitorEvent(Session s, List<String> lines) {
        if (s.closeAfterFlush) {
            return;
        }
        if (s.unsent > limits.maxUnsentBytes()) {
            // the events it has not been sent go; what is half-written is finished, then the reason
            ByteBuffer head = s.out.peek();
            boolean started = head != null && head.position() > 0;
            s.out.clear();
            s.unsent = 0;
            if (started) {
                s.out.add(head);
                s.unsent = head.remaining();
            }
            s.fail("monitor: events dropped, the client does not keep up; closing");
            return;
        }
        s.send(Reply.output(lines).wire());
    }

    private CommandServer(Path path, ControlPlane plane, SocketAccess access, Limits limits) throws IOException {
        this.path = path;
        this.plane = plane;
        this.access = access;
        this.limits = limits;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        plane.monitorSink((session, lines) -> monitorEvent((Session) session, lines));
    }

    /**
     * Creates the socket at {@code path} (mode 0660; owner root and group {@code group} when the
     * daemon runs as root) and returns the server, ready for {@link #run()}. Fails with a message if
     * another daemon is already listening there.
     */
    public static CommandServer open(Path path, String group, ControlPlane plane, Limits limits) throws IOException {
        CommandServer s = new CommandServer(path, plane, new SocketAccess(group), limits);
        try {
            s.bind(group);
        } catch (IOException | RuntimeException e) {
            s.selector.close();
            s.server.close();
            throw e;
        }
        return s;
    }

    private void bind(String group) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        if (Files.exists(path)) {
            // A socket file left by a daemon that died: remove it, unless someone still answers.
            boolean answered;
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                answered = probe.isConnected();
            } catch (IOException e) {
                answered = false;
            }
            if (answered) {
                throw new IOException("another daemon is already serving " + path + "; stop it first or use --socket PATH");
            }
            Files.delete(path);
        }
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
        if ("root".equals(System.getProperty("user.name"))) {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            GroupPrincipal g;
            try {
                g = lookup.lookupPrincipalByGroupName(group);
            } catch (IOException e) {
                Files.deleteIfExists(path);
                throw new IOException("group '" + group + "' for " + path + " does not exist; create it (groupadd " + group
                        + ") or pass --group with an existing group");
            }
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(lookup.lookupPrincipalByName("root"));
            view.setGroup(g);
        }
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    public Path path() {
        return path;
    }

    /**
     * Runs {@code task} on the control thread, between commands and never inside a session's open
     * batch (the batch owns the RIB's open transaction). Callable from any thread: this is how
     * what the devices report (neighbours, carrier) reaches the single writer.
     */
    public void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Asks {@link #run()} to return; callable from any thread (e.g. a signal handler). */
    public void stop() {
        running = false;
        selector.wakeup();
    }

    /** The event loop. Runs on the control thread until {@link #stop()}. */
    public void run() throws IOException {
        while (running) {
            if (sessions.stream().anyMatch(this::runnable)) {
                selector.selectNow();
            } else {
                selector.select(100);
            }
            long now = System.currentTimeMillis();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                if (!k.isValid()) {
                    continue;
                }
                if (k.isAcceptable()) {
                    accept(now);
                    continue;
                }
                Session s = (Session) k.attachment();
                if (k.isValid() && k.isWritable()) {
                    flush(s, now);
                }
                if (k.isValid() && k.isReadable()) {
                    read(s, now);
                }
            }
            execute(now);
            runTasks();
            runTimers();
            for (Session s : List.copyOf(sessions)) {
                timeouts(s, now);
                flush(s, now);
                interest(s);
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while (!plane.batchOpen() && (task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "control task failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Resilient groups' idle and unbalanced timers: every 50 to 100 ms (the loop's longest wait),
     * not once per command, since each run looks at every nexthop object.
     */
    private void runTimers() {
        long now = System.nanoTime();
        if (now - lastTimers < TIMER_INTERVAL_NANOS) {
            return;
        }
        lastTimers = now;
        try {
            plane.runTimers();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "resilient group upkeep failed: " + e.getMessage(), e);
        }
    }

    private void accept(long now) throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            String peer;
            String refusal;
            try {
                UnixDomainPrincipal who = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
                peer = who.user().getName();
                refusal = access.refusal(who.user().getName(), who.group().getName());
            } catch (IOException | UnsupportedOperationException e) {
                peer = "?";
                refusal = "cannot read the peer's credentials (" + e.getMessage() + "); refusing";
            }
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
            Session s = new Session(ch, key, peer, now);
            key.attach(s);
            sessions.add(s);
            if (refusal != null) {
                s.fail(refusal);
            }
        }
    }

    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);

    private void read(Session s, long now) {
        if (s.closeAfterFlush) {
            return;
        }
        readBuffer.clear();
        int n;
        try {
            n = s.channel.read(readBuffer);
        } catch (IOException e) {
            close(s);
            return;
        }
        if (n < 0) {
            s.inputClosed = true;
            if (s.lineLength > 0) {
                // a last line without newline still counts, as in ip -batch
                s.pending.add(new String(s.line, 0, s.lineLength, StandardCharsets.US_ASCII));
                s.lineLength = 0;
            }
            return;
        }
        s.lastActivity = now;
        byte[] b = readBuffer.array();
        for (int i = 0; i < n; i++) {
            byte c = b[i];
            if (c == '\n') {
                int len = s.lineLength > 0 && s.line[s.lineLength - 1] == '\r' ? s.lineLength - 1 : s.lineLength;
                s.pending.add(new String(s.line, 0, len, StandardCharsets.US_ASCII));
                s.lineLength = 0;
                s.partialSince = -1;
                continue;
            }
            if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f || c < 0) {
                s.fail("binary data in a command (byte 0x" + String.format("%02x", c & 0xff) + " at column " + (s.lineLength + 1)
                        + "); the protocol is one text command per line; closing");
                return;
            }
            if (s.lineLength == s.line.length) {
                s.fail("command line longer than " + limits.maxLine() + " bytes; send one command per line; closing");
                return;
            }
            if (s.lineLength == 0) {
                s.partialSince = now;
            }
            s.line[s.lineLength++] = c;
        }
    }

    /** One round-robin turn over the queued commands; a session whose replies pile up unread waits. */
    private void execute(long now) {
        for (Session s : List.copyOf(sessions)) {
            for (int i = 0; i < COMMANDS_PER_TURN && runnable(s); i++) {
                String line = s.pending.poll();
                s.send(plane.execute(s, line).wire());
                s.lastActivity = now;
            }
        }
    }

    private boolean runnable(Session s) {
        return !s.pending.isEmpty() && !s.closeAfterFlush && plane.accepts(s) && s.unsent < limits.maxUnsentBytes();
    }

    private void flush(Session s, long now) {
        if (!s.channel.isOpen()) {
            return;
        }
        try {
            while (!s.out.isEmpty()) {
                ByteBuffer b = s.out.peek();
                int w = s.channel.write(b);
                if (w > 0) {
                    s.unsent -= w;
                    s.lastWriteProgress = now;
                }
                if (b.hasRemaining()) {
                    break;
                }
                s.out.poll();
            }
        } catch (IOException e) {
            close(s);
            return;
        }
        if (s.out.isEmpty() && (s.closeAfterFlush || (s.inputClosed && s.pending.isEmpty()))) {
            close(s);
        }
    }

    private void timeouts(Session s, long now) {
        if (!s.channel.isOpen() || s.closeAfterFlush) {
            if (s.channel.isOpen() && !s.out.isEmpty() && now - s.lastWriteProgress > limits.writeTimeoutMillis()) {
                close(s);
            }
            return;
        }
        if (!s.out.isEmpty() && now - s.lastWriteProgress > limits.writeTimeoutMillis()) {
            close(s); // it does not read its replies: nothing more can be said to it
        } else if (s.partialSince >= 0 && now - s.partialSince > limits.lineTimeoutMillis()) {
            s.fail("timed out after " + limits.lineTimeoutMillis() + " ms waiting for the end of the line (a newline); closing");
        } else if (plane.batchOpen() && plane.accepts(s) && s.pending.isEmpty()
                && now - s.lastActivity > limits.batchTimeoutMillis()) {
            plane.sessionClosed(s);
            s.fail("batch aborted, nothing applied: no command for " + limits.batchTimeoutMillis()
                    + " ms while it held every other client back; closing");
        } else if (s.pending.isEmpty() && s.out.isEmpty() && now - s.lastActivity > limits.idleTimeoutMillis() && !plane.monitoring(s)) {
            s.fail("idle for " + limits.idleTimeoutMillis() + " ms; closing");
        }
    }

    private void interest(Session s) {
        if (!s.key.isValid()) {
            return;
        }
        int ops = 0;
        if (!s.closeAfterFlush && !s.inputClosed && s.pending.size() < limits.maxPendingLines()) {
            ops |= SelectionKey.OP_READ;
        }
        if (!s.out.isEmpty()) {
            ops |= SelectionKey.OP_WRITE;
        }
        s.key.interestOps(ops);
    }

    private void close(Session s) {
        plane.sessionClosed(s);
        sessions.remove(s);
        s.key.cancel();
        try {
            s.channel.close();
        } catch (IOException e) {
            // closing a broken connection: nothing left to tell its client
        }
    }

    /** Number of connected clients (for tests and 'stats'). */
    int sessionCount() {
        return sessions.size();
    }

    @Override
    public void close() throws IOException {
        for (Session s : List.copyOf(sessions)) {
            close(s);
        }
        selector.close();
        server.close();
        Files.deleteIfExists(path);
    }
}
