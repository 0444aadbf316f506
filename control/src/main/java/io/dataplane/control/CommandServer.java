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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
 * filling memory, and is dropped when it makes no progress or when the replies waiting for all
 * clients pass {@link Limits#maxUnsentTotal}. Clients are served round-robin a few commands at a
 * time, so a client streaming a million routes does not starve the others. At
 * {@link Limits#maxConnections} a new client takes the place of the connection idle longest, so
 * connections held open and silent cannot lock operators out. What each limit did is counted
 * ({@link #counters()}, in {@code dpctl status}).
 */
public final class CommandServer implements AutoCloseable {

    /** Protocol limits; {@link #defaults()} for the daemon, shorter time-outs in tests. */
    public record Limits(int maxLine, long lineTimeoutMillis, long idleTimeoutMillis, long batchTimeoutMillis,
                         long writeTimeoutMillis, int maxPendingLines, int maxUnsentBytes, int maxConnections,
                         long maxUnsentTotal) {
        public static Limits defaults() {
            return new Limits(8192, 10_000, 600_000, 30_000, 30_000, 4096, 4 << 20, 1024, 64L << 20);
        }

        public Limits withMaxConnections(int n) {
            return new Limits(maxLine, lineTimeoutMillis, idleTimeoutMillis, batchTimeoutMillis, writeTimeoutMillis,
                    maxPendingLines, maxUnsentBytes, n, maxUnsentTotal);
        }
    }

    /**
     * What the limits did since the server started. Written by the control thread only; atomics so
     * that other threads (tests, a bench) read current values.
     */
    public static final class Counters {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong evictedIdle = new AtomicLong();
        final AtomicLong refusedFull = new AtomicLong();
        final AtomicLong acceptErrors = new AtomicLong();
        final AtomicLong lineTooLong = new AtomicLong();
        final AtomicLong binary = new AtomicLong();
        final AtomicLong lineTimeouts = new AtomicLong();
        final AtomicLong idleTimeouts = new AtomicLong();
        final AtomicLong batchTimeouts = new AtomicLong();
        final AtomicLong heldBack = new AtomicLong();
        final AtomicLong unreadClosed = new AtomicLong();

        /** Name to value, in the words of {@code dpctl status}. */
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accepted", accepted.get());
            m.put("evicted_idle", evictedIdle.get());
            m.put("refused_full", refusedFull.get());
            m.put("accept_errors", acceptErrors.get());
            m.put("closed_line_too_long", lineTooLong.get());
            m.put("closed_binary", binary.get());
            m.put("closed_line_timeout", lineTimeouts.get());
            m.put("closed_idle", idleTimeouts.get());
            m.put("closed_batch_timeout", batchTimeouts.get());
            m.put("held_back_unread", heldBack.get());
            m.put("closed_unread", unreadClosed.get());
            return m;
        }
    }

    /** Where the socket is created when {@code --socket} is not given. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/dataplane/dataplane.sock");
    private static final int COMMANDS_PER_TURN = 256;
    /**
     * Reply bytes one session may produce per turn: a client asking for 'route show' of a big
     * table over and over gets one or two answers per turn, and the others' commands run between.
     */
    private static final int BYTES_PER_TURN = 64 * 1024;
    /** How long a connection must have been idle before a new client may take its place at the limit. */
    private static final long EVICTABLE_IDLE_MILLIS = 1000;
    private static final int REPLY_CHUNK = 16 * 1024;
    /**
     * A reply chunk written out and free for the next reply: a batch's "ok" lines fill a chunk per
     * turn, and allocating a new one each time made a full table's replies cost 130 MB of garbage.
     */
    private ByteBuffer spareChunk;

    /** An empty reply chunk of {@link #REPLY_CHUNK} bytes, the spare one if there is one. */
    private ByteBuffer chunk() {
        ByteBuffer b = spareChunk;
        spareChunk = null;
        return b == null ? ByteBuffer.allocate(REPLY_CHUNK).limit(0) : b.clear().limit(0);
    }

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
    private final Counters counters = new Counters();
    /** Replies queued for all clients, not yet written. */
    private long unsentTotal;
    /** While accept(2) fails (out of file descriptors), accepting pauses until then (ms), so the loop does not spin. */
    private long acceptPausedUntil;
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
        /** Whether its last command waited for its unread replies (counted once per wait). */
        boolean heldBack;

        Session(SocketChannel channel, SelectionKey key, String peer, long now) {
            this.channel = channel;
            this.key = key;
            this.peer = peer;
            this.line = new byte[limits.maxLine()];
            this.lastActivity = now;
            this.lastWriteProgress = now;
        }

        void send(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (out.isEmpty()) {
                lastWriteProgress = System.currentTimeMillis();
            }
            // Replies share buffers, so a batch's million "ok" lines go out in a few large writes,
            // not one system call each.
            ByteBuffer tail = out.peekLast();
            if (tail == null || tail.capacity() - tail.limit() < bytes.length) {
                tail = bytes.length <= REPLY_CHUNK ? chunk() : ByteBuffer.allocate(bytes.length).limit(0);
                out.add(tail);
            }
            int at = tail.limit();
            tail.limit(at + bytes.length);
            tail.put(at, bytes);
            unsent += bytes.length;
            unsentTotal += bytes.length;
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
            boolean acceptable = false;
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                if (!k.isValid()) {
                    continue;
                }
                if (k.isAcceptable()) {
                    acceptable = true;
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
            unsentOverall(now);
            if (acceptPausedUntil != 0 && now >= acceptPausedUntil) {
                acceptPausedUntil = 0;
                server.keyFor(selector).interestOps(SelectionKey.OP_ACCEPT);
            }
            for (Session s : List.copyOf(sessions)) {
                timeouts(s, now);
                flush(s, now);
                interest(s);
            }
            if (acceptable) {
                accept(now); // last: connections that closed meanwhile are gone and do not count against the limit
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
        while ((ch = acceptOne(now)) != null) {
            counters.accepted.incrementAndGet();
            if (sessions.size() >= limits.maxConnections() && !evictIdlest(now)) {
                counters.refusedFull.incrementAndGet();
                refuse(ch, "too many connections (" + sessions.size() + ", the limit), none idle for a second; try again later");
                continue;
            }
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

    /** The next pending connection, or null; on failure (EMFILE, ENFILE) pauses accepting for 100 ms. */
    private SocketChannel acceptOne(long now) {
        try {
            return server.accept();
        } catch (IOException e) {
            if (counters.acceptErrors.incrementAndGet() == 1) {
                LOG.log(System.Logger.Level.WARNING, "cannot accept a command connection (" + e.getMessage()
                        + "); pausing accepts for 100 ms each time this happens");
            }
            acceptPausedUntil = now + 100;
            server.keyFor(selector).interestOps(0);
            return null;
        }
    }

    /**
     * Closes the session idle longest (no command queued, no reply unsent, no half line, no batch),
     * if it has been idle for {@link #EVICTABLE_IDLE_MILLIS}: a client between two commands, or
     * one that just connected, keeps its place.
     */
    private boolean evictIdlest(long now) {
        Session idlest = null;
        for (Session s : sessions) {
            boolean idle = s.pending.isEmpty() && s.out.isEmpty() && s.lineLength == 0 && !s.closeAfterFlush
                    && now - s.lastActivity >= EVICTABLE_IDLE_MILLIS && !(plane.batchOpen() && plane.accepts(s))
                    && !plane.monitoring(s); // a monitor session waits for events: it is not idle
            if (idle && (idlest == null || s.lastActivity < idlest.lastActivity)) {
                idlest = s;
            }
        }
        if (idlest == null) {
            return false;
        }
        counters.evictedIdle.incrementAndGet();
        refuse(idlest.channel, "closing this idle connection: " + limits.maxConnections()
                + " connections are open (the limit) and a new client needs the place");
        close(idlest);
        return true;
    }

    /** Writes a last error without waiting (what does not fit the socket buffer is lost) and closes. */
    private static void refuse(SocketChannel ch, String message) {
        try (ch) {
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(Reply.error(message).wire().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // the client is already gone
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
                counters.binary.incrementAndGet();
                s.fail("binary data in a command (byte 0x" + String.format("%02x", c & 0xff) + " at column " + (s.lineLength + 1)
                        + "); the protocol is one text command per line; closing");
                return;
            }
            if (s.lineLength == s.line.length) {
                counters.lineTooLong.incrementAndGet();
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
            int unsentBefore = s.unsent;
            for (int i = 0; i < COMMANDS_PER_TURN && runnable(s) && s.unsent - unsentBefore < BYTES_PER_TURN; i++) {
                String line = s.pending.poll();
                s.send(plane.execute(s, line).wire());
                s.lastActivity = now;
                s.heldBack = false;
            }
            if (!s.heldBack && !s.pending.isEmpty() && s.unsent >= limits.maxUnsentBytes()) {
                s.heldBack = true;
                counters.heldBack.incrementAndGet();
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
                    unsentTotal -= w;
                    s.lastWriteProgress = now;
                }
                if (b.hasRemaining()) {
                    break;
                }
                s.out.poll();
                if (b.capacity() == REPLY_CHUNK) {
                    spareChunk = b;
                }
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
                counters.unreadClosed.incrementAndGet();
                close(s);
            }
            return;
        }
        if (!s.out.isEmpty() && now - s.lastWriteProgress > limits.writeTimeoutMillis()) {
            counters.unreadClosed.incrementAndGet();
            close(s); // it does not read its replies: nothing more can be said to it
        } else if (s.partialSince >= 0 && now - s.partialSince > limits.lineTimeoutMillis()) {
            counters.lineTimeouts.incrementAndGet();
            s.fail("timed out after " + limits.lineTimeoutMillis() + " ms waiting for the end of the line (a newline); closing");
        } else if (plane.batchOpen() && plane.accepts(s) && s.pending.isEmpty()
                && now - s.lastActivity > limits.batchTimeoutMillis()) {
            plane.sessionClosed(s);
            counters.batchTimeouts.incrementAndGet();
            s.fail("batch aborted, nothing applied: no command for " + limits.batchTimeoutMillis()
                    + " ms while it held every other client back; closing");
        } else if (s.pending.isEmpty() && s.out.isEmpty() && now - s.lastActivity > limits.idleTimeoutMillis() && !plane.monitoring(s)) {
            counters.idleTimeouts.incrementAndGet();
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
        unsentTotal -= s.unsent;
        s.unsent = 0;
        s.out.clear();
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

    /** Sessions holding half a line (for tests: proof that the server has read their bytes); racy read. */
    int halfLines() {
        int n = 0;
        for (Session s : sessions.toArray(Session[]::new)) { // may hold a null while the control thread changes the list
            n += s != null && s.lineLength > 0 ? 1 : 0;
        }
        return n;
    }

    /** What the limits did; readable from any thread. */
    public Counters counters() {
        return counters;
    }

    /** Reply bytes queued for all clients and not yet written; control thread (tests read it racily, as a bound). */
    long unsentTotal() {
        return unsentTotal;
    }

    /**
     * Over {@link Limits#maxUnsentTotal}: drops the clients with the most unread output, among
     * those that read nothing for a second (a client busy reading a long reply is left alone).
     */
    private void unsentOverall(long now) {
        while (unsentTotal > limits.maxUnsentTotal()) {
            Session worst = null;
            for (Session s : sessions) {
                if (s.unsent > 0 && now - s.lastWriteProgress >= 1000 && (worst == null || s.unsent > worst.unsent)) {
                    worst = s;
                }
            }
            if (worst == null) {
                return;
            }
            counters.unreadClosed.incrementAndGet();
            close(worst);
        }
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
