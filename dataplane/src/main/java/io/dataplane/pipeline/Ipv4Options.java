package io.dataplane.pipeline;

import io.dataplane.tables.packet.Ipv4;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The IPv4 options check a Linux router makes before forwarding (ip_rcv_options, which runs
 * {@code __ip_options_compile}, net/ipv4/ip_options.c): the options are walked as the kernel
 * walks them, and a malformed one stops the walk at the byte the kernel's ICMP parameter problem
 * points at. Option by option, as in the kernel:
 * <ul>
 * <li>EOL ends the list; NOOP is one byte; any other option needs 2 bytes left, and a length
 *     from 2 to what is left of the header (else: its type byte);
 * <li>record route (7): not a second one (type byte), length 3 or more (length byte), pointer 4
 *     or more and, unless the option is full (pointer past its length), room for an address at
 *     the pointer (pointer byte);
 * <li>timestamp (68): not a second one, length 4 or more, pointer 5 or more; not full: room for a
 *     timestamp, or for address and timestamp when the flag is 1 or 3 (pointer byte); full with a
 *     flag other than 3: the overflow count not already 15 (the flags byte);
 * <li>loose and strict source route (131, 137): length 3 or more, pointer 4 or more, not a
 *     second one (type byte);
 * <li>router alert (148): length 4 or more;
 * <li>CIPSO (134): the kernel looks its DOI up and a router has none configured (netlabel's
 *     default): length below 8 fails at the length byte, any other at the DOI's first byte;
 * <li>anything else (security 130, stream id 136, unknown types): accepted as it is.
 * </ul>
 * Well-formed options with a source route are dropped too, without an ICMP error: the kernel
 * accepts them only with {@code accept_source_route} set on both {@code conf/all} and the
 * device, and {@code conf/all} is 0 by default (measured in a fresh namespace:
 * {@code KernelIpv4OptionsOracleTest}).
 *
 * <p>Called only for headers longer than 20 bytes; hot path rules all the same: no allocation, no
 * exceptions, every read inside the header, whose length the caller checked against the frame.
 */
public final class Ipv4Options {
    /** {@link #check}: the options are well formed, no source route. */
    public static final int VALID = 0;
    /** {@link #check}: well formed, with a loose or strict source route. */
    public static final int SOURCE_ROUTED = -1;

    private static final int END = Ipv4.OPTION_END;
    private static final int NOOP = Ipv4.OPTION_NOOP;
    private static final int RECORD_ROUTE = 7;
    private static final int TIMESTAMP = 68;
    private static final int LOOSE_SOURCE_ROUTE = 131;
    private static final int STRICT_SOURCE_ROUTE = 137;
    private static final int CIPSO = 134;
    private static final int ROUTER_ALERT = 148;
    /** Timestamp flags with an address before each timestamp: address and timestamp (1), prespecified (3). */
    private static final int TS_ADDRESS = 1, TS_PRESPECIFIED = 3;

    private static final int BAD_OPTIONS = Verdict.BAD_OPTIONS.code;
    private static final int SOURCE_ROUTE = Verdict.SOURCE_ROUTED.code;

    private Ipv4Options() {
    }

    /**
     * The pipeline's verdict on the options of the IPv4 header at {@code ip}: 0 to go on with
     * the packet, else {@link Verdict#BAD_OPTIONS} or {@link Verdict#SOURCE_ROUTED}.
     *
     * @param headerLength the header's length from its IHL, above 20, inside the frame
     */
    public static int verdict(MemorySegment m, long ip, int headerLength) {
        int c = check(m, ip, headerLength);
        return c == VALID ? 0 : c == SOURCE_ROUTED ? SOURCE_ROUTE : BAD_OPTIONS;
    }

    /**
     * Walks the options: {@link #VALID}, {@link #SOURCE_ROUTED}, or for malformed options the
     * offset of the bad byte from the start of the IP header (20 or more), which is the pointer of
     * the kernel's ICMP parameter problem.
     */
    public static int check(MemorySegment m, long ip, int headerLength) {
        boolean recordRoute = false, timestamp = false, sourceRoute = false;
        int at = Ipv4.HEADER;
        while (at < headerLength) {
            int type = u8(m, ip, at);
            if (type == END) {
                break;
            }
            if (type == NOOP) {
                at++;
                continue;
            }
            int left = headerLength - at;
            if (left < 2) {
                return at;
            }
            int length = u8(m, ip, at + 1);
            if (length < 2 || length > left) {
                return at;
            }
            switch (type) {
                case LOOSE_SOURCE_ROUTE, STRICT_SOURCE_ROUTE -> {
                    if (length < 3) {
                        return at + 1;
                    }
                    if (u8(m, ip, at + 2) < 4) {
                        return at + 2;
                    }
                    if (sourceRoute) {
                        return at;
                    }
                    sourceRoute = true;
                }
                case RECORD_ROUTE -> {
                    if (recordRoute) {
                        return at;
                    }
                    if (length < 3) {
                        return at + 1;
                    }
                    int pointer = u8(m, ip, at + 2);
                    if (pointer < 4 || pointer <= length && pointer + 3 > length) {
                        return at + 2;
                    }
                    recordRoute = true;
                }
                case TIMESTAMP -> {
                    if (timestamp) {
                        return at;
                    }
                    if (length < 4) {
                        return at + 1;
                    }
                    int pointer = u8(m, ip, at + 2);
                    int flags = u8(m, ip, at + 3);
                    if (pointer < 5) {
                        return at + 2;
                    }
                    if (pointer <= length) {
                        int flag = flags & 0x0f;
                        int room = flag == TS_ADDRESS || flag == TS_PRESPECIFIED ? 7 : 3;
                        if (pointer + room > length) {
                            return at + 2;
                        }
                    } else if ((flags & 0x0f) != TS_PRESPECIFIED && flags >>> 4 == 15) {
                        return at + 3; // full, and its overflow count cannot go up
                    }
                    timestamp = true;
                }
                case ROUTER_ALERT -> {
                    if (length < 4) {
                        return at + 1;
                    }
                }
                case CIPSO -> {
                    return length < 8 ? at + 1 : at + 2;
                }
                default -> {
                    // security, stream id and unknown options: the kernel keeps them as they are
                }
            }
            at += length;
        }
        return sourceRoute ? SOURCE_ROUTED : VALID;
    }

    private static int u8(MemorySegment m, long ip, int offset) {
        return m.get(ValueLayout.JAVA_BYTE, ip + offset) & 0xff;
    }
}
