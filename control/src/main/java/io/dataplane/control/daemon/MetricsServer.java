package io.dataplane.control.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dataplane.control.MetricsExporter;
import io.dataplane.control.command.Command.MetricsListen;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The HTTP endpoint of {@code metrics listen}: {@code GET /metrics} answers with the control
 * plane's metrics text (JDK's {@code com.sun.net.httpserver}, two threads). The text is rendered
 * on the control thread, handed over through {@code submit} as the kernel follower's reports are,
 * because the names in it come from the RIB; the counters it reads are the counter file's, so no
 * worker waits for a scrape.
 */
final class MetricsServer implements MetricsExporter, AutoCloseable {
    /** A scrape that the control thread cannot serve in this time (a long batch is open) gets 503. */
    private static final long RENDER_TIMEOUT_SECONDS = 5;
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final System.Logger LOG = System.getLogger(MetricsServer.class.getName());

    private final Consumer<Runnable> controlThread;
    private final Supplier<String> metrics;
    private HttpServer serving;
    private ExecutorService threads;

    /** {@code controlThread} runs a task on the control thread; {@code metrics} renders there. */
    MetricsServer(Consumer<Runnable> controlThread, Supplier<String> metrics) {
        this.controlThread = controlThread;
        this.metrics = metrics;
    }

    @Override
    public Binding bind(MetricsListen endpoint) {
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByAddress(bytes(endpoint)), endpoint.port());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad metrics address " + endpoint.endpoint() + ": " + e.getMessage());
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (BindException e) {
            throw new IllegalStateException("cannot listen for metrics on " + endpoint.endpoint() + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("in use")
                            ? " (another process listens there: 'ss -ltnp sport = :" + endpoint.port() + "' names it); choose another port"
                            : "; is the address one of this host's ('ip address')?"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for metrics on " + endpoint.endpoint() + ": " + e.getMessage());
        }
        server.createContext("/metrics", this::scrape);
        server.createContext("/", this::notFound);
        return new Binding() {
            @Override
            public void start() {
                ExecutorService pool = Executors.newFixedThreadPool(2, r -> Thread.ofPlatform().daemon().name("metrics-http").unstarted(r));
                server.setExecutor(pool);
                server.start();
                stopServing();
                serving = server;
                threads = pool;
                LOG.log(System.Logger.Level.INFO, "serving metrics at http://" + endpoint.endpoint() + "/metrics");
            }

            @Override
            public void close() {
                // An HttpServer releases its socket only when its dispatcher stops: start it with
                // nothing to serve, then stop it.
                server.removeContext("/metrics");
                server.removeContext("/");
                server.start();
                server.stop(0);
            }
        };
    }

    private static byte[] bytes(MetricsListen endpoint) {
        var a = endpoint.address();
        if (!a.v6()) {
            int v = a.v4Value();
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (a.hi() >>> (56 - 8 * i));
            b[8 + i] = (byte) (a.lo() >>> (56 - 8 * i));
        }
        return b;
    }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "only GET /metrics\n");
                return;
            }
            CompletableFuture<String> text = new CompletableFuture<>();
            controlThread.accept(() -> {
                try {
                    text.complete(metrics.get());
                } catch (RuntimeException e) {
                    text.completeExceptionally(e);
                }
            });
            String body;
            try {
                body = text.get(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                reply(exchange, 503, "text/plain; charset=utf-8", "the control thread did not answer within "
                        + RENDER_TIMEOUT_SECONDS + " s (a batch is open); try again\n");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                reply(exchange, 500, "text/plain; charset=utf-8", "cannot render the metrics: " + e.getCause() + "\n");
                return;
            }
            reply(exchange, 200, CONTENT_TYPE, body);
        }
    }

    private void notFound(HttpExchange exchange) throws IOException {
        try (exchange) {
            reply(exchange, 404, "text/plain; charset=utf-8", "not found; the metrics are at /metrics\n");
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : b.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private void stopServing() {
        if (serving != null) {
            serving.stop(0);
            threads.shutdownNow();
            serving = null;
            threads = null;
        }
    }

    /** Stops serving (the daemon stops). */
    @Override
    public void close() {
        stopServing();
    }
}
