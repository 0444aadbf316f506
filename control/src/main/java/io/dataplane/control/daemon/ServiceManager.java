package io.dataplane.control.daemon;

import io.dataplane.ffi.SdNotify;
import java.util.Optional;

/**
 * What the service manager (systemd, {@code Type=notify}) is told about the daemon's state, through
 * {@code $NOTIFY_SOCKET} ({@link SdNotify}): {@code READY=1} once the socket serves,
 * {@code RELOADING=1} with {@code MONOTONIC_USEC} while a SIGHUP reload runs (what systemd 253+
 * wants for {@code Type=notify-reload}, harmless before) and {@code READY=1} after it,
 * {@code STOPPING=1} when it stops; each with a {@code STATUS=} line that {@code systemctl status}
 * shows. Without {@code $NOTIFY_SOCKET} it says nothing. A message that cannot be sent is logged
 * once and does not stop the daemon.
 */
final class ServiceManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServiceManager.class.getName());
    private final Optional<SdNotify> socket;
    private boolean warned;

    private ServiceManager(Optional<SdNotify> socket) {
        this.socket = socket;
    }

    /** Tells the manager named by {@code $NOTIFY_SOCKET}, if any. */
    static ServiceManager fromEnvironment() {
        try {
            return new ServiceManager(SdNotify.fromEnvironment());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NOTIFY_SOCKET not usable, the service manager will not be told: " + e.getMessage());
            return new ServiceManager(Optional.empty());
        }
    }

    void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    void reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=" + SdNotify.monotonicMicros() + "\nSTATUS=reloading the configuration");
    }

    void stopping() {
        send("STOPPING=1\nSTATUS=stopping");
    }

    private synchronized void send(String state) {
        if (socket.isEmpty()) {
            return;
        }
        try {
            socket.get().send(state);
        } catch (RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.log(System.Logger.Level.WARNING, "cannot notify the service manager: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        socket.ifPresent(SdNotify::close);
    }
}
