package io.dataplane.control.daemon;

import io.dataplane.ffi.XdpAttachMode;
import io.dataplane.ffi.XskSocket;
import io.dataplane.port.AfXdpPort;
import io.dataplane.port.DpdkPortConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A port as declared by {@code port add dev NAME ...} (see {@link PortGrammar}): a value object
 * that the {@link PortFactory} hands to whichever port implementation the type names. Fields a
 * type does not use keep their defaults ({@code -1} or null); the grammar rejects options that do
 * not belong to the type.
 *
 * @param dpdk for {@code type dpdk}: the DPDK port's validated configuration, else null
 * @param mac  the declared address, or -1 for none
 * @param xdpMode for {@code type afxdp}: how the XDP program is attached (default native), else null
 * @param worker what the line says about its workers' idle mode and scheduling (AF_XDP)
 * @param rxRing for {@code type afxdp}: entries of the fill and RX rings, else -1
 * @param txRing for {@code type afxdp}: entries of the TX and completion rings, else -1
 */
public record PortSpec(String name, Type type, int queues, XskSocket.Mode mode, int cpu, DpdkPortConfig dpdk,
                       int mtu, long mac, XdpAttachMode xdpMode, WorkerSpec worker, int rxRing, int txRing) {

    public enum Type {
        MEMORY, AFXDP, DPDK;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Default MTU when the configuration does not name one (memory ports have no device to ask). */
    public static final int DEFAULT_MTU = 1500;

    /** What {@code link show} tells about how the port is made, in its order: type, mode, queues, cpu. */
    public Map<String, Object> details() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type.label());
        if (mode != null) {
            m.put("mode", mode.name().toLowerCase(Locale.ROOT));
        }
        m.put("queues", queues);
        if (cpu >= 0) {
            m.put("cpu", cpu);
        }
        if (worker.idle() != null) {
            m.put("idle", worker.idle().text());
        }
        if (worker.scheduling() != null) {
            m.put("sched", worker.scheduling().text());
        }
        if (type == Type.AFXDP && (rxRing != AfXdpPort.DEFAULT_RING_SIZE || txRing != AfXdpPort.DEFAULT_RING_SIZE)) {
            m.put("rx-ring", rxRing);
            m.put("tx-ring", txRing);
        }
        return m;
    }
}
