package io.dataplane.icmp;

import io.dataplane.pipeline.Verdict;
import io.dataplane.port.Port;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A worker's ICMP error generator: for a frame the pipeline dropped as TTL_EXPIRED or
 * MTU_EXCEEDED it builds Time Exceeded, Fragmentation Needed (IPv4 with DF) or Packet Too Big
 * (IPv6) in place ({@link IcmpErrors}), rate-limits it ({@link IcmpRateLimiter}) and sends it back
 * out of the ingress port, from the router's address on that port. One per worker; hot path.
 */
public final class IcmpResponder {
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int TTL_EXPIRED = Verdict.TTL_EXPIRED.code;
    private static final int MTU_EXCEEDED = Verdict.MTU_EXCEEDED.code;
    private static final int DF = 0x4000;

    private final IcmpRateLimiter limiter;
    private final int[] source4;
    private final long[] source6Hi;
    private final long[] source6Lo;
    private long sent;
    private long notSent;

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

    /** Whether {@code verdict} is one this responder answers. */
    public static boolean answers(int verdict) {
        return verdict == TTL_EXPIRED || verdict == MTU_EXCEEDED;
    }

    /**
     * Answers one dropped frame. Returns true when the error was queued on {@code in} (the frame now
     * belongs to its TX ring); false when no error is due (suppressed, rate-limited, no source
     * address, no room, TX full), in which case the caller still owns and releases the frame.
     */
    public boolean respond(int verdict, Port in, long handle, long data, int length, int egressMtu, long nowNanos) {
        MemorySegment m = in.memory();
        int port = in.index();
        if (length < 14 || port >= source4.length) {
            notSent++;
            return false;
        }
        int l2 = 14;
        int type = m.get(BE16, data + 12) & 0xffff;
        if (type == 0x8100 && length >= 18) {
            l2 = 18;
            type = m.get(BE16, data + 16) & 0xffff;
        }
        long first = in.headroomStart(handle, data);
        boolean pmtu = verdict == MTU_EXCEEDED;
        int len;
        long start;
        int peer;
        if (type == 0x0800 && source4[port] != 0 && length >= l2 + 20) {
            if (pmtu && (m.get(BE16, data + l2 + 6) & DF) == 0) {
                notSent++; // no DF: a router would fragment; we do not, and owe no error
                return false;
            }
            peer = m.get(BE32, data + l2 + 12);
            len = pmtu ? IcmpErrors.fragmentationNeeded4(m, data, l2, length, first, source4[port], egressMtu)
                    : IcmpErrors.timeExceeded4(m, data, l2, length, first, source4[port]);
            start = IcmpErrors.start4(data);
        } else if (type == 0x86dd && (source6Hi[port] | source6Lo[port]) != 0 && length >= l2 + 40) {
            long srcHi = m.get(BE64, data + l2 + 8), srcLo = m.get(BE64, data + l2 + 16);
            peer = Long.hashCode(srcHi ^ srcLo);
            len = pmtu ? IcmpErrors.packetTooBig6(m, data, l2, length, first, source6Hi[port], source6Lo[port], egressMtu)
                    : IcmpErrors.timeExceeded6(m, data, l2, length, first, source6Hi[port], source6Lo[port]);
            start = IcmpErrors.start6(data);
        } else {
            notSent++;
            return false;
        }
        if (len < 0 || !limiter.allow(nowNanos, peer, pmtu) || !in.transmit(handle, start, len)) {
            notSent++;
            return false;
        }
        sent++;
        return true;
    }

    /** Errors sent. */
    public long sent() {
        return sent;
    }

    /** Errors not sent: suppressed by the rules, rate-limited, or no room or address. */
    public long notSent() {
        return notSent;
    }
}
