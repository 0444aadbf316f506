package io.dataplane.icmp;

import io.dataplane.pipeline.Ipv4Options;
import io.dataplane.pipeline.PacketBatch;
import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import io.dataplane.tables.packet.Icmp;
import io.dataplane.tables.packet.Ipv4;
import io.dataplane.tables.packet.Ipv6;
import java.lang.foreign.MemorySegment;

/**
 * A worker's ICMP error generator: for a frame the pipeline dropped as TTL_EXPIRED,
 * MTU_EXCEEDED, UNREACHABLE, PROHIBITED or BAD_OPTIONS it builds Time Exceeded, Fragmentation
 * Needed (IPv4 with DF), Packet Too Big (IPv6), Destination Unreachable (the kernel's codes for
 * {@code unreachable} and {@code prohibit} routes) or Parameter Problem (pointing at the bad option byte) in place ({@link IcmpErrors}), rate-limits it ({@link IcmpRateLimiter}) and sends it back
 * out of the ingress port, from the router's address on that port. It reads the frame's headers
 * where the pipeline found them (the batch's {@code l3} and {@code ipVersion} columns). One per
 * worker; hot path.
 */
public final class IcmpResponder {
    private static final int TTL_EXPIRED = Verdict.TTL_EXPIRED.code;
    private static final int MTU_EXCEEDED = Verdict.MTU_EXCEEDED.code;
    private static final int UNREACHABLE = Verdict.UNREACHABLE.code;
    private static final int PROHIBITED = Verdict.PROHIBITED.code;
    private static final int BAD_OPTIONS = Verdict.BAD_OPTIONS.code;

    private final IcmpRateLimiter limiter;
    private final int[] source4;
    private final long[] source6Hi;
    private final long[] source6Lo;
    private long sent;

    /**
     * @param source4 the router's IPv4 address on each port (by port index), 0 where it has none
     * @param source6Hi the router's IPv6 address on each port, upper half; both halves 0 where none
     */
    public IcmpResponder(IcmpRateLimiter limiter, int[] source4, long[] source6Hi, long[] source6Lo) {
        if (source4.length != source6Hi.length || source6Hi.length != source6Lo.length) {
            throw new IllegalArgumentException("one source address slot per port index in every array");
        }
        this.limiter = limiter;
        this.source4 = source4.clone();
        this.source6Hi = source6Hi.clone();
        this.source6Lo = source6Lo.clone();
    }

    /**
     * Sets the router's addresses on port {@code port} (0: none), for a port added while the
     * worker runs: the control thread calls it before it publishes the worker's port set with the
     * port, and that publication makes the values visible to the worker.
     */
    public void source(int port, int ipv4, long ipv6Hi, long ipv6Lo) {
        source4[port] = ipv4;
        source6Hi[port] = ipv6Hi;
        source6Lo[port] = ipv6Lo;
    }

    /** Whether {@code verdict} is one this responder answers. */
    public static boolean answers(int verdict) {
        return verdict == TTL_EXPIRED || verdict == MTU_EXCEEDED || verdict == UNREACHABLE || verdict == PROHIBITED
                || verdict == BAD_OPTIONS;
    }

    /**
     * Answers frame {@code i} of the batch, which the pipeline dropped with {@code verdict}.
     * Returns true when the error was queued on {@code in} (the frame now belongs to its TX ring);
     * false when no error is due (suppressed, rate-limited, no source address, no room, TX full),
     * in which case the caller still owns and releases the frame.
     */
    public boolean respond(int verdict, Port in, PacketBatch batch, int i, int egressMtu, long nowNanos) {
        MemorySegment m = in.memory();
        int port = in.index();
        int version = batch.ipVersion[i];
        if (version == 0 || port >= source4.length) {
            return false;
        }
        long data = batch.data[i];
        long ip = batch.l3[i];
        int length = batch.length[i];
        int l2 = (int) (ip - data);
        long first = in.headroomStart(batch.handle[i], data);
        boolean pmtu = verdict == MTU_EXCEEDED;
        boolean unreachable = verdict == UNREACHABLE || verdict == PROHIBITED;
        int len;
        long start;
        int peer;
        if (version == 4 && source4[port] != 0 && length >= l2 + Ipv4.HEADER) {
            if (pmtu && !Ipv4.dontFragment(Ipv4.flagsFragment(m, ip))) {
                return false; // no DF: the worker fragments such packets (NEEDS_FRAGMENTATION); no error is owed
            }
            peer = Ipv4.source(m, ip);
            len = verdict == BAD_OPTIONS ? parameterProblem(m, data, l2, length, first, source4[port], ip)
                    : pmtu ? IcmpErrors.fragmentationNeeded4(m, data, l2, length, first, source4[port], egressMtu)
                    : unreachable ? IcmpErrors.destinationUnreachable4(m, data, l2, length, first, source4[port],
                            verdict == PROHIBITED ? Icmp.V4_ADMIN_PROHIBITED : Icmp.V4_HOST_UNREACH)
                    : IcmpErrors.timeExceeded4(m, data, l2, length, first, source4[port]);
            start = IcmpErrors.start4(data);
        } else if (version == 6 && (source6Hi[port] | source6Lo[port]) != 0 && length >= l2 + Ipv6.HEADER) {
            peer = Long.hashCode(Ipv6.sourceHi(m, ip) ^ Ipv6.sourceLo(m, ip));
            len = pmtu ? IcmpErrors.packetTooBig6(m, data, l2, length, first, source6Hi[port], source6Lo[port], egressMtu)
                    : unreachable ? IcmpErrors.destinationUnreachable6(m, data, l2, length, first, source6Hi[port], source6Lo[port],
                            verdict == PROHIBITED ? Icmp.V6_ADMIN_PROHIBITED : Icmp.V6_NO_ROUTE)
                    : IcmpErrors.timeExceeded6(m, data, l2, length, first, source6Hi[port], source6Lo[port]);
            start = IcmpErrors.start6(data);
        } else {
            return false;
        }
        if (len < 0 || !limiter.allow(nowNanos, peer, pmtu) || !in.transmit(batch.handle[i], start, len)) {
            return false;
        }
        sent++;
        return true;
    }

    /**
     * Parameter Problem for malformed options: the pointer is found again by walking the options
     * ({@link Ipv4Options#check}): the pipeline keeps no column for it, and this is the rare path.
     */
    private static int parameterProblem(MemorySegment m, long data, int l2, int length, long first, int source, long ip) {
        int pointer = Ipv4Options.check(m, ip, Ipv4.headerLength(m, ip));
        return pointer > 0 ? IcmpErrors.parameterProblem4(m, data, l2, length, first, source, pointer) : IcmpErrors.MALFORMED;
    }

    /** Errors sent. */
    public long sent() {
        return sent;
    }
}
