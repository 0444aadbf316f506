package io.dataplane.control.fuzz;

import io.dataplane.control.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One session on the command socket, read back into {@link Reply}s as the protocol defines them:
 * {@code ok}, {@code error: MESSAGE}, or output lines up to {@code .} (a line that starts with
 * '.' comes with one more).
 */
final class SocketChannelClient implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;

    SocketChannelClient(Path socket) {
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    Reply execute(String line) {
        try {
            ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            String first = in.readLine();
            if (first == null) {
                throw new IOException("the server closed the connection after '" + line + "'");
            }
            if (first.equals(Reply.OK)) {
                return Reply.success();
            }
            if (first.startsWith(Reply.ERROR_PREFIX)) {
                return Reply.error(first.substring(Reply.ERROR_PREFIX.length()));
            }
            List<String> lines = new ArrayList<>();
            for (String l = first; !l.equals(Reply.END); l = in.readLine()) {
                if (l == null) {
                    throw new IOException("the server closed the connection inside the reply to '" + line + "'");
                }
                lines.add(l.startsWith("..") ? l.substring(1) : l);
            }
            return Reply.output(lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
