package io.dataplane.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A CommandServer on a temporary socket, run on its own thread, with simple blocking clients. */
final class ServerHarness implements AutoCloseable {
    final Fixture fixture = new Fixture();
    final Path dir;
    final Path socket;
    final CommandServer server;
    private final Thread thread;

    ServerHarness(CommandServer.Limits limits) throws IOException {
        dir = Files.createTempDirectory("dpctl-test");
        socket = dir.resolve("dataplane.sock");
        server = CommandServer.open(socket, "root", fixture.plane, limits);
        thread = Thread.ofPlatform().name("control").start(() -> {
            try {
                server.run();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    static CommandServer.Limits testLimits() {
        return new CommandServer.Limits(256, 300, 600_000, 500, 2_000, 64, 1 << 16, 64, 1 << 20);
    }

    Client client() throws IOException {
        return new Client(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    }

    /** A blocking line client. */
    static final class Client implements AutoCloseable {
        final SocketChannel ch;
        final BufferedReader in;

        Client(SocketChannel ch) {
            this.ch = ch;
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
        }

        void sendRaw(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        void send(String line) throws IOException {
            sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
        }

        /** The reply's lines, terminal line included ("ok", "error: ...", or "."). */
        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            String l = in.readLine();
            if (l == null) {
                throw new IOException("connection closed by the server");
            }
            lines.add(l);
            if (l.equals("ok") || l.startsWith("error: ")) {
                return lines;
            }
            while (!l.equals(".")) {
                l = in.readLine();
                if (l == null) {
                    throw new IOException("connection closed inside a reply");
                }
                lines.add(l);
            }
            return lines;
        }

        List<String> call(String line) throws IOException {
            send(line);
            return reply();
        }

        /** True once the server has closed the connection (reads end of stream). */
        boolean closedByServer() throws IOException {
            try {
                return in.readLine() == null;
            } catch (java.net.SocketException e) {
                // AF_UNIX: a server that closes with our unread bytes in its queue resets the
                // connection; what it wrote before still arrives first
                return e.getMessage().contains("Connection reset");
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Override
    public void close() throws IOException {
        server.stop();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        fixture.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
