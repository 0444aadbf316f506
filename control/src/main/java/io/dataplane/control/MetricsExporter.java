package io.dataplane.control;

/**
 * Where the control plane's {@code metrics listen} lands: the daemon's HTTP endpoint. Binding and
 * serving are two steps, so that a batch binds first (an address in use fails the whole batch,
 * nothing applied) and serves only once the rest of it is published.
 */
public interface MetricsExporter {

    /**
     * Binds {@code endpoint} without serving yet. Throws IllegalStateException with a message for
     * the operator (the address is in use, not on this host, ...) when it cannot.
     */
    Binding bind(io.dataplane.control.command.Command.MetricsListen endpoint);

    /** A bound endpoint. */
    interface Binding {
        /** Serves the metrics here from now on, in place of the previous endpoint, which is closed. */
        void start();

        /** Releases the address unused (the batch that bound it failed). */
        void close();
    }
}
