package io.dataplane.perf.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One long-lived connection to the daemon's command socket: a command per line, answered by
 * {@code ok}, {@code error: MESSAGE} or output lines ending with {@code .} (the protocol of
 * {@code io.dataplane.control.Reply}). dpctl opens a connection per command, which would cost the
 * driver more than the command at a thousand replaces a second.
 */
final class CommandChannel implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    CommandChannel(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(channel);
    }

    /** Sends one command and returns its output lines (empty for {@code ok}); an error reply is a SoakFailure naming the command. */
    List<String> send(String command) throws IOException {
        write(command);
        return reply(command);
    }

    /** Sends a command without waiting for its reply (the daemon answers in order; {@link #reply} reads it). */
    void write(String command) throws IOException {
        out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads the reply to the oldest command not yet answered, {@code command}. */
    List<String> reply(String command) throws IOException {
        String first = in.readLine();
        if (first == null) {
            throw new IOException("the daemon closed the command socket after '" + command + "'");
        }
        if (first.equals("ok")) {
            return List.of();
        }
        if (first.startsWith("error: ")) {
            throw new SoakFailure("the daemon refused '" + command + "': " + first.substring(7));
        }
        List<String> lines = new ArrayList<>();
        for (String l = first; !l.equals("."); l = in.readLine()) {
            if (l == null) {
                throw new IOException("the daemon closed the command socket in the middle of the reply to '" + command + "'");
            }
            lines.add(l.startsWith("..") ? l.substring(1) : l);
        }
        return lines;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
