package io.dataplane.tables;

/**
 * The part of the Linux kernel's {@code struct flow_keys} (include/net/flow_dissector.h, x86_64)
 * that its multipath hash reads, and the hash over it ({@code __flow_hash_from_keys} in
 * net/core/flow_dissector.c). One instance is scratch space: the fast path keeps one per worker
 * and refills it for every packet, so hashing allocates nothing. Not thread-safe.
 *
 * <p>The kernel hashes the struct's bytes from {@code FLOW_KEYS_HASH_OFFSET} (8, the
 * {@code basic} member) to the end of the active address member: 48 bytes for IPv4 (offsets
 * 8..55, the last 4 being the unused rest of the address union) and 72 bytes for IPv6
 * (8..79, the last 4 being the struct's tail padding). Laid out as little-endian 64-bit blocks:
 *
 * <pre>
 * block 0  n_proto (2, always 0 here) | ip_proto (1) | padding (1) | tags.flow_label (4)
 * block 1  vlan (8, 0)        block 2  cvlan (8, 0)
 * block 3  keyid (4, 0) | ports.src (2, wire order) | ports.dst (2, wire order)
 * block 4  icmp (4, 0) | address bytes 0..3
 * block 5.. address bytes 4.. (IPv4: src 0..3, dst 4..7; IPv6: src 0..15, dst 16..31), then zeros
 * </pre>
 *
 * Before hashing, {@code __flow_hash_consistentify} (as fixed in 2022, commit 64ae13ed4784)
 * orders the addresses and, independently, the ports, so both directions of a flow hash alike:
 * IPv4 addresses compared as the host (little-endian) reading of their wire bytes, IPv6
 * addresses with {@code memcmp}, ports as the little-endian reading of their wire bytes.
 * A zero hash becomes 1.
 */
public final class FlowKeys {
    /** {@code FLOW_DISSECTOR_KEY_IPV4_ADDRS}, the kernel's {@code control.addr_type} for IPv4. */
    public static final int IPV4 = 2;
    /** {@code FLOW_DISSECTOR_KEY_IPV6_ADDRS}. */
    public static final int IPV6 = 3;

    /** {@code FLOW_DIS_ENCAPSULATION}: the dissector went past (or stopped at) a tunnel header. */
    public static final int ENCAPSULATION = 1;
    /** {@code FLOW_DIS_IS_FRAGMENT}. */
    public static final int FRAGMENT = 2;

    /** {@code control.addr_type}: 0 (none), {@link #IPV4} or {@link #IPV6}. */
    int addrType;
    /** {@code control.flags}: {@link #ENCAPSULATION}, {@link #FRAGMENT}. */
    int flags;
    int ipProto;
    /** The 4 bytes of {@code tags.flow_label} as a little-endian read of memory (see {@link #labelInWireOrder}). */
    int flowLabel;
    /** Port numbers as on the wire (0..65535). */
    int sport;
    int dport;
    /** IPv4 addresses, big-endian (as {@link IpAddresses#parse4}). */
    int src4;
    int dst4;
    /** IPv6 addresses, big-endian halves (as {@link IpAddresses#parse6}). */
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;

    private final long[] blocks = new long[9];

    /** Zero, like the kernel's {@code memset} before every use. */
    public void clear() {
        addrType = 0;
        flags = 0;
        ipProto = 0;
        flowLabel = 0;
        sport = 0;
        dport = 0;
        src4 = 0;
        dst4 = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
    }

    public void ipv4(int src, int dst) {
        addrType = IPV4;
        src4 = src;
        dst4 = dst;
    }

    public void ipv6(long sHi, long sLo, long dHi, long dLo) {
        addrType = IPV6;
        srcHi = sHi;
        srcLo = sLo;
        dstHi = dHi;
        dstLo = dLo;
    }

    public void ipProto(int proto) {
        ipProto = proto;
    }

    public void ports(int source, int destination) {
        sport = source;
        dport = destination;
    }

    /**
     * The flow label as {@code ip6_flowlabel()} leaves it: the header's bytes, masked
     * (network order in memory). The kernel's policy 0 and every {@code flowi6} path store this.
     */
    public void labelInWireOrder(int label20) {
        flowLabel = Integer.reverseBytes(label20 & 0xfffff);
    }

    /** The flow label as the flow dissector stores it: {@code ntohl()}, a host-order integer. */
    public void labelAsInteger(int label20) {
        flowLabel = label20 & 0xfffff;
    }

    /** {@code flow_hash_from_keys_seed()}: the 32-bit SipHash-2-4 hash, never 0. Reorders the keys in place, as the kernel does. */
    public int hash(long key) {
        consistentify();
        int length = fill();
        int h = (int) SipHash.hash(key, key, blocks, length);
        return h == 0 ? 1 : h;
    }

    /** The SipHash key the kernel builds from {@code fib_multipath_hash_seed}: both halves {@code seed << 32 | seed}. */
    public static long key(int seed) {
        long s = seed & 0xffffffffL;
        return s << 32 | s;
    }

    private void consistentify() {
        if (addrType == IPV4) {
            if (Integer.compareUnsigned(Integer.reverseBytes(dst4), Integer.reverseBytes(src4)) < 0) {
                int t = src4;
                src4 = dst4;
                dst4 = t;
            }
        } else if (addrType == IPV6) {
            int c = Long.compareUnsigned(dstHi, srcHi);
            if (c < 0 || c == 0 && Long.compareUnsigned(dstLo, srcLo) < 0) {
                long t = srcHi;
                srcHi = dstHi;
                dstHi = t;
                t = srcLo;
                srcLo = dstLo;
                dstLo = t;
            }
        } else {
            return;
        }
        if (hostPort(dport) < hostPort(sport)) {
            int t = sport;
            sport = dport;
            dport = t;
        }
    }

    /** A port's wire bytes read as a little-endian u16, the kernel's {@code (__force u16)} on x86. */
    private static int hostPort(int port) {
        return Short.reverseBytes((short) port) & 0xffff;
    }

    /** Writes the hashed bytes into {@link #blocks}; returns their length. */
    private int fill() {
        blocks[0] = (long) (ipProto & 0xff) << 16 | (long) flowLabel << 32;
        blocks[1] = 0;
        blocks[2] = 0;
        blocks[3] = (long) hostPort(sport) << 32 | (long) hostPort(dport) << 48;
        if (addrType == IPV6) {
            blocks[4] = le(srcHi >>> 32) << 32;
            blocks[5] = le(srcHi) | le(srcLo >>> 32) << 32;
            blocks[6] = le(srcLo) | le(dstHi >>> 32) << 32;
            blocks[7] = le(dstHi) | le(dstLo >>> 32) << 32;
            blocks[8] = le(dstLo);
            return 72;
        }
        // IPv4. Every multipath path sets addr_type to IPv4 or IPv6 before hashing, so the
        // kernel's 40-byte length for "no address" never applies.
        blocks[4] = le(src4) << 32;
        blocks[5] = le(dst4);
        return 48;
    }

    /** The low 32 bits of {@code be} (big-endian address bytes) as the little-endian u32 memory holds. */
    private static long le(long be) {
        return Integer.reverseBytes((int) be) & 0xffffffffL;
    }
}
