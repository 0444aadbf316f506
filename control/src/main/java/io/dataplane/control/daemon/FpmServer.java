package io.dataplane.control.daemon;

import io.dataplane.ffi.RouteMessages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The FPM server FRR's zebra connects to when it runs with {@code -M dplane_fpm_nl}: a TCP
 * stream of frames, each a 4-byte header (version 1, type 1 = netlink, total length u16 in
 * network order, header included) and then netlink route and nexthop messages, exactly as zebra
 * would send them to the kernel. They go to a {@link RouteRelay}, the path the kernel's routes take.
 *
 * <p>Zebra sends a route change as a delete and an add in one frame; frames are handed over
 * whole, so the change is one transaction. Zebra's first connection carries no replay to wait for
 * (there are no routes of it to keep): its table is applied as it streams in. When zebra reconnects it replays its whole table:
 * the replay is taken as a dump (routes that come back are not touched, routes that do not are
 * removed once it is over: at least {@link #REPLAY_HOLD_MS} after the connection and
 * {@link #REPLAY_QUIET_MS} without a new route, at most {@link #REPLAY_MAX_MS}), so a zebra restart
 * drops no traffic for the routes it still has. The hold is there because a freshly started zebra
 * first sends its connected routes and gets the others only when staticd and bgpd reconnect to it
 * (seconds later); routes that take longer than the hold to come back are removed and re-added. One connection at a time, as zebra makes one.
 */
final class FpmServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FpmServer.class.getName());
    /** zebra's table for the default VRF (RT_TABLE_MAIN). */
    static final int MAIN_TABLE = 254;
    /** fpm.h: FPM_PROTO_VERSION, FPM_MSG_TYPE_NETLINK, FPM_MSG_HDR_LEN, FPM_MAX_MSG_LEN. */
    private static final int VERSION = 1, TYPE_NETLINK = 1, HEADER_LEN = 4, MAX_FRAME = 65535;
    /** Quiet time that ends zebra's replay after a connection. */
    static final long REPLAY_QUIET_MS = 1500;
    /** The shortest replay: staticd and bgpd reconnect to a restarted zebra within seconds. */
    static final long REPLAY_HOLD_MS = 10_000;
    /** The longest a replay is waited for: a zebra that really has no routes ends up with none. */
    static final long REPLAY_MAX_MS = 60_000;

    private final ServerSocketChannel server;
    private final RouteRelay relay;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long frames;
    /** Whether a zebra was connected before (server thread): only a reconnection is a replay to hold. */
    private boolean reconnection;

    private FpmServer(ServerSocketChannel server, RouteRelay relay) {
        this.server = server;
        this.relay = relay;
        this.thread = Thread.ofPlatform().daemon().name("fpm").start(this::run);
    }

    /** Listens on {@code address} port {@code port}; throws an IllegalStateException saying why when it cannot. */
    static FpmServer open(String address, int port, RouteRelay relay) {
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(address, port));
            return new FpmServer(s, relay);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for FPM on " + address + " port " + port + ": " + e.getMessage(), e);
        }
    }

    /** Frames received so far. */
    long frames() {
        return frames;
    }

    private void run() {
        try (Arena arena = Arena.ofConfined(); Selector selector = Selector.open()) {
            MemorySegment buffer = arena.allocate(1 << 20, 8);
            MemorySegment frame = arena.allocate(MAX_FRAME, 8);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (running) {
                selector.select(200);
                SocketChannel zebra = server.accept();
                if (zebra != null) {
                    serve(zebra, buffer, frame);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (running) {
                LOG.log(System.Logger.Level.ERROR, "FPM server stopped: " + e.getMessage(), e);
            }
        }
    }

    /** One zebra connection, until it closes: its replay as a dump, then updates frame by frame. */
    private void serve(SocketChannel zebra, MemorySegment buffer, MemorySegment frame) throws IOException {
        boolean replaying = reconnection;
        reconnection = true;
        LOG.log(System.Logger.Level.INFO, "FPM: zebra connected from " + zebra.getRemoteAddress()
                + (replaying ? "; taking its replay" : "; taking its table"));
        try (zebra; Selector selector = Selector.open()) {
            zebra.configureBlocking(false);
            zebra.register(selector, SelectionKey.OP_READ);
            ByteBuffer in = buffer.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
            if (replaying) {
                relay.dumpBegins();
            }
            long connected = System.nanoTime();
            long lastFrame = connected;
            int routesSeen = 0;
            while (running) {
                selector.select(100);
                selector.selectedKeys().clear();
                int n = zebra.read(in);
                if (n < 0) {
                    break;
                }
                int got = frames(in, buffer, frame);
                if (got > 0 && !replaying) {
                    relay.drained();
                }
                if (replaying && relay.dumpRoutes() > routesSeen) {
                    // zebra sends nexthops and links before it has its routes from staticd/bgpd: wait for routes
                    routesSeen = relay.dumpRoutes();
                    lastFrame = System.nanoTime();
                }
                long now = System.nanoTime();
                if (replaying && (now - connected > REPLAY_HOLD_MS * 1_000_000 && now - lastFrame > REPLAY_QUIET_MS * 1_000_000
                        || now - connected > REPLAY_MAX_MS * 1_000_000)) {
                    replaying = false;
                    relay.dumpEnded();
                    LOG.log(System.Logger.Level.INFO, "FPM: zebra's replay is complete after " + frames + " frames");
                }
            }
            if (replaying) {
                // zebra went away mid-replay: keep what we had, apply only what it did send as updates
                relay.dumpAborted();
            }
        }
        LOG.log(System.Logger.Level.INFO, "FPM: zebra disconnected; its routes stay until it reconnects and replays");
    }

    /** Hands every complete frame in {@code in} to the relay and compacts the buffer; returns how many there were. */
    private int frames(ByteBuffer in, MemorySegment buffer, MemorySegment frame) {
        in.flip();
        int count = 0;
        while (in.remaining() >= HEADER_LEN) {
            int at = in.position();
            int version = Byte.toUnsignedInt(in.get(at));
            int type = Byte.toUnsignedInt(in.get(at + 1));
            int length = Short.toUnsignedInt(in.getShort(at + 2));
            if (version != VERSION || length < HEADER_LEN) {
                throw new UncheckedIOException(new IOException("bad FPM frame header: version " + version + ", length " + length
                        + " (expected version 1 from zebra's dplane_fpm_nl)"));
            }
            if (in.remaining() < length) {
                break;
            }
            if (type == TYPE_NETLINK) {
                // copied to an aligned scratch segment: netlink fields are read as aligned native ints
                MemorySegment.copy(buffer, at + HEADER_LEN, frame, 0, length - HEADER_LEN);
                RouteMessages.parseMessages(frame, 0, length - HEADER_LEN, relay);
            }
            in.position(at + length);
            count++;
            frames++;
        }
        in.compact();
        return count;
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
            thread.join(2000);
        } catch (IOException e) {
            // closing: nothing more to do with it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
