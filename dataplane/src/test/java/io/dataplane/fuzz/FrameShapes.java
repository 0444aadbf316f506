package io.dataplane.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Frames drawn from the fuzzer's input with the shape of real traffic, so the fuzzer reaches the
 * route lookup and the hash instead of stopping at the checksum: Ethernet with or without an
 * 802.1Q tag, IPv4 with options (raw bytes, or options as senders build them, valid and
 * malformed), fragments and valid checksums, IPv6 with extension headers and
 * flow labels, TCP/UDP/AH/ICMP payloads and ICMP errors quoting a header, destinations inside the
 * table set's prefixes; then, drawn too, the damage: a wrong length field or checksum, padding,
 * a cut, flipped bytes. One draw in sixteen is raw bytes, one another EtherType.
 */
final class FrameShapes {
    private static final int[] IPV4_PROTOCOLS = {6, 17, 1, 51, 50, 132, 136, 33, 47, 4};
    private static final int[] IPV6_PROTOCOLS = {6, 17, 58, 51, 50, 132, 136, 33, 59, 41};
    private static final int[] ICMP4_TYPES = {3, 11, 5, 12, 4, 0, 8};
    private static final int[] ICMP6_TYPES = {1, 2, 3, 4, 128, 129, 135};
    private static final int[] EXTENSIONS = {0, 43, 60, 44};
    /** IPv4 option types: EOL, NOOP, RR, TS, LSRR, SSRR, router alert, security, stream id, CIPSO, two unknown. */
    private static final int[] OPTION_TYPES = {0, 1, 1, 7, 7, 68, 68, 131, 137, 148, 130, 136, 134, 0x1e, 0x9e};
    /** Martian and special addresses, to reach every address rule. */
    private static final int[] SPECIAL4 = {0, 0x7f000001, 0xe0000001, 0xffffffff, 0xf0000001, 0x01020304};

    private FrameShapes() {
    }

    static byte[] draw(FuzzedDataProvider d, TableSet t) {
        int kind = d.consumeInt(0, 15);
        if (kind == 15) {
            return d.consumeBytes(d.consumeInt(0, 200));
        }
        ByteBuffer b = ByteBuffer.allocate(10_000);
        b.put(bytes(d, 12)); // destination and source MAC
        boolean tagged = oneIn(d, 4);
        int type = kind == 14 ? d.consumeInt(0, 0xffff) : kind <= 6 ? 0x0800 : 0x86dd;
        if (tagged) {
            b.putShort((short) 0x8100).putShort((short) d.consumeInt(0, 0xffff));
        }
        b.putShort((short) type);
        int ip = b.position();
        if (type == 0x0800) {
            ipv4(d, t, b);
        } else if (type == 0x86dd) {
            ipv6(d, t, b);
        } else {
            b.put(d.consumeBytes(d.consumeInt(0, 60)));
        }
        if (oneIn(d, 4)) {
            b.put(new byte[d.consumeInt(0, 40)]); // Ethernet padding behind the IP packet
        }
        byte[] frame = Arrays.copyOf(b.array(), b.position());
        return damage(d, frame, ip);
    }

    private static void ipv4(FuzzedDataProvider d, TableSet t, ByteBuffer b) {
        int ip = b.position();
        int ihl = oneIn(d, 4) ? d.consumeInt(5, 15) : 5;
        int proto = oneIn(d, 16) ? d.consumeInt(0, 255) : IPV4_PROTOCOLS[d.consumeInt(0, IPV4_PROTOCOLS.length - 1)];
        int flags = (d.consumeBoolean() ? 0x4000 : 0) | (oneIn(d, 8) ? 0x2000 : 0)
                | (oneIn(d, 8) ? d.consumeInt(0, 0x1fff) : 0) | (oneIn(d, 32) ? 0x8000 : 0);
        int ttl = oneIn(d, 8) ? d.consumeInt(0, 255) : 64;
        int src = address4(d, t);
        int dst = address4(d, t);
        b.put((byte) (0x40 | ihl)).put((byte) d.consumeInt(0, 255)).putShort((short) 0).putShort((short) d.consumeInt(0, 0xffff))
                .putShort((short) flags).put((byte) ttl).put((byte) proto).putShort((short) 0).putInt(src).putInt(dst);
        b.put(options(d, (ihl - 5) * 4));
        if (proto == 1) {
            b.put((byte) ICMP4_TYPES[d.consumeInt(0, ICMP4_TYPES.length - 1)]).put((byte) d.consumeInt(0, 255)).putShort((short) 0)
                    .putInt(d.consumeInt());
            if (!oneIn(d, 8)) { // the quote: an IPv4 header (its checksum is not looked at) and 8 bytes
                b.put((byte) 0x45).put(bytes(d, 11)).putInt(address4(d, t)).putInt(address4(d, t)).put(bytes(d, 8));
            }
        } else {
            tunnel(d, t, b, proto);
        }
        payload(d, b);
        int total = b.position() - ip;
        int lengthField = oneIn(d, 32) ? d.consumeInt(0, 0xffff) : total;
        b.putShort(ip + 2, (short) lengthField);
        int checksum = ~ForwardingModel.onesComplementSum(b.array(), ip, ihl * 4) & 0xffff;
        if (oneIn(d, 32)) {
            checksum ^= 1 << d.consumeInt(0, 15);
        }
        b.putShort(ip + 10, (short) checksum);
    }

    /**
     * IPv4 options filling {@code room} bytes: one draw in four raw bytes; else options one after
     * another as senders build them (EOL, NOOP, record route, timestamp, source routes, router
     * alert, security, stream id, CIPSO, unknown types), with drawn lengths, pointers and
     * timestamp flags: mostly valid, sometimes one off (the edges of the kernel's checks), one
     * length in eight anything. The last option may be cut by the end of the header.
     */
    private static byte[] options(FuzzedDataProvider d, int room) {
        if (room == 0 || oneIn(d, 4)) {
            return bytes(d, room);
        }
        byte[] o = new byte[room];
        int at = 0;
        while (at < room) {
            int type = OPTION_TYPES[d.consumeInt(0, OPTION_TYPES.length - 1)];
            o[at] = (byte) type;
            int left = room - at;
            if (type == 0 || type == 1 || left < 2) {
                at++;
                continue;
            }
            int length = switch (type) {
                case 7, 131, 137 -> 3 + 4 * d.consumeInt(0, 3);
                case 68 -> 4 + 4 * d.consumeInt(0, 4);
                case 130 -> 11;
                case 134 -> d.consumeInt(6, 10);
                case 136, 148 -> 4;
                default -> d.consumeInt(2, 8);
            };
            length = oneIn(d, 8) ? d.consumeInt(0, 255) : length + (oneIn(d, 8) ? d.consumeInt(-1, 1) : 0);
            o[at + 1] = (byte) length;
            if (left >= 3) {
                int first = type == 68 ? 5 : 4;
                int slot = type == 68 ? 4 * d.consumeInt(0, 2) : 4;
                int pointer = switch (d.consumeInt(0, 3)) {
                    case 0 -> first;
                    case 1 -> first + slot * d.consumeInt(0, 3); // a slot further on, maybe past the end
                    case 2 -> length + 1; // full
                    default -> d.consumeInt(0, 255);
                };
                o[at + 2] = (byte) (pointer + (oneIn(d, 8) ? d.consumeInt(-1, 1) : 0));
            }
            if (left >= 4) {
                int flag = d.pickValue(new Integer[] {0, 1, 3, d.consumeInt(0, 15)});
                int overflow = d.pickValue(new Integer[] {0, 14, 15, d.consumeInt(0, 15)});
                o[at + 3] = (byte) (type == 68 ? overflow << 4 | flag : d.consumeInt(0, 255));
            }
            int body = Math.max(2, Math.min(length, left));
            for (int i = 4; i < body; i++) {
                o[at + i] = (byte) d.consumeInt(0, 255);
            }
            at += body;
        }
        return o;
    }

    private static void ipv6(FuzzedDataProvider d, TableSet t, ByteBuffer b) {
        int ip = b.position();
        int label = d.consumeInt(0, 0xfffff);
        int hopLimit = oneIn(d, 8) ? d.consumeInt(0, 255) : 64;
        b.putInt(6 << 28 | d.consumeInt(0, 255) << 20 | label).putShort((short) 0).put((byte) 0).put((byte) hopLimit);
        long[] src = address6(d, t);
        long[] dst = address6(d, t);
        b.putLong(src[0]).putLong(src[1]).putLong(dst[0]).putLong(dst[1]);
        int extensions = oneIn(d, 4) ? d.consumeInt(1, 10) : 0;
        int nextHeaderAt = ip + 6;
        for (int i = 0; i < extensions; i++) {
            int ext = EXTENSIONS[d.consumeInt(0, EXTENSIONS.length - 1)];
            b.put(nextHeaderAt, (byte) ext);
            nextHeaderAt = b.position();
            int len = ext == 44 ? 0 : d.consumeInt(0, 2);
            b.put((byte) 0).put((byte) len).put(bytes(d, 6 + len * 8));
        }
        int proto = oneIn(d, 16) ? d.consumeInt(0, 255) : IPV6_PROTOCOLS[d.consumeInt(0, IPV6_PROTOCOLS.length - 1)];
        b.put(nextHeaderAt, (byte) proto);
        if (proto == 58) {
            b.put((byte) ICMP6_TYPES[d.consumeInt(0, ICMP6_TYPES.length - 1)]).put((byte) d.consumeInt(0, 255)).putShort((short) 0)
                    .putInt(d.consumeInt());
            if (!oneIn(d, 8)) { // the quote: an IPv6 header and 8 bytes
                long[] qs = address6(d, t);
                long[] qd = address6(d, t);
                b.putInt(6 << 28 | d.consumeInt(0, 0xfffff)).putShort((short) d.consumeInt(0, 0xffff))
                        .put((byte) d.consumeInt(0, 255)).put((byte) 64)
                        .putLong(qs[0]).putLong(qs[1]).putLong(qd[0]).putLong(qd[1]).put(bytes(d, 8));
            }
        } else {
            tunnel(d, t, b, proto);
        }
        payload(d, b);
        int payloadLength = b.position() - ip - 40;
        b.putShort(ip + 4, (short) (oneIn(d, 32) ? d.consumeInt(0, 0xffff) : payloadLength));
    }

    /**
     * What follows the IP header for a protocol other than ICMP: for IPv4-in-IP (4), IPv6-in-IP
     * (41) and GRE (47) an inner header, which the kernel hash's inner-L3 policy dissects; for the
     * rest a few bytes (ports, SPI).
     */
    private static void tunnel(FuzzedDataProvider d, TableSet t, ByteBuffer b, int proto) {
        int inner = proto == 4 ? 0x0800 : proto == 41 ? 0x86dd : -1;
        if (proto == 47) { // GRE: flags and version, protocol type, then the optional words the flags announce
            int flags = d.pickValue(new Integer[] {0, 0x2000, 0x8000, 0x1000, 0xb000, 0x0001, 0x3081});
            inner = d.pickValue(new Integer[] {0x0800, 0x86dd, 0x6558, 0x880b, 0x8100, d.consumeInt(0, 0xffff)});
            b.putShort((short) flags).putShort((short) inner);
            b.put(bytes(d, 4 * Integer.bitCount(flags & 0xb000)));
            if (inner == 0x6558) { // transparent Ethernet bridging: an inner Ethernet header, maybe tagged
                b.put(bytes(d, 12));
                inner = d.consumeBoolean() ? 0x0800 : 0x86dd;
                if (oneIn(d, 4)) {
                    b.putShort((short) 0x8100).putShort((short) d.consumeInt(0, 0xffff));
                }
                b.putShort((short) inner);
            }
        }
        if (inner == 0x0800) {
            b.put((byte) 0x45).put(bytes(d, 8)).put((byte) d.consumeInt(0, 255)).put(bytes(d, 2))
                    .putInt(address4(d, t)).putInt(address4(d, t));
        } else if (inner == 0x86dd) {
            long[] s6 = address6(d, t);
            long[] d6 = address6(d, t);
            b.putInt(6 << 28 | d.consumeInt(0, 0xfffff)).putShort((short) 8).put((byte) d.consumeInt(0, 255)).put((byte) 64)
                    .putLong(s6[0]).putLong(s6[1]).putLong(d6[0]).putLong(d6[1]);
        }
        b.put(bytes(d, d.consumeInt(0, 12)));
    }

    /** More payload: usually a little, sometimes enough to go past an MTU (zeros: cheap to draw). */
    private static void payload(FuzzedDataProvider d, ByteBuffer b) {
        if (oneIn(d, 16)) {
            b.put(new byte[Math.min(d.consumeInt(0, 9100), b.remaining() - 100)]);
        } else {
            b.put(bytes(d, d.consumeInt(0, 32)));
        }
    }

    /** Mostly an address inside one of the set's IPv4 prefixes; else a special or any address. */
    private static int address4(FuzzedDataProvider d, TableSet t) {
        int choice = d.consumeInt(0, 7);
        int random = d.consumeInt();
        if (choice < 5 && !t.routes4.isEmpty()) {
            TableSet.Route4 r = t.routes4.get(d.consumeInt(0, t.routes4.size() - 1));
            return r.prefix() | (random & ~TableSet.mask4(r.length()));
        }
        return choice == 5 ? SPECIAL4[d.consumeInt(0, SPECIAL4.length - 1)] : random;
    }

    private static long[] address6(FuzzedDataProvider d, TableSet t) {
        int choice = d.consumeInt(0, 7);
        long hi = d.consumeLong();
        long lo = d.consumeLong();
        if (choice < 5 && !t.routes6.isEmpty()) {
            TableSet.Route6 r = t.routes6.get(d.consumeInt(0, t.routes6.size() - 1));
            return new long[] {r.hi() | (hi & ~TableSet.maskHi(r.length())), r.lo() | (lo & ~TableSet.maskLo(r.length()))};
        }
        if (choice == 5) { // ::, ::1, ::ffff:a.b.c.d, ff02::1, fe80::1
            long[][] special = {{0, 0}, {0, 1}, {0, 0xffff_0102_0304L}, {0xff02L << 48, 1}, {0xfe80L << 48, 1}};
            return special[d.consumeInt(0, special.length - 1)];
        }
        return new long[] {hi, lo};
    }

    /** Drawn damage: a cut, then flipped bytes (each with one chance in eight). */
    private static byte[] damage(FuzzedDataProvider d, byte[] frame, int ip) {
        byte[] f = frame;
        if (oneIn(d, 8)) {
            f = Arrays.copyOf(f, d.consumeInt(0, f.length));
        }
        if (oneIn(d, 8) && f.length > 0) {
            int flips = d.consumeInt(1, 4);
            for (int i = 0; i < flips; i++) {
                int at = d.consumeBoolean() ? Math.min(f.length - 1, ip + d.consumeInt(0, 40)) : d.consumeInt(0, f.length - 1);
                f[at] ^= (byte) d.consumeInt(1, 255);
            }
        }
        return f;
    }

    /**
     * One chance in {@code n}, and false once the input has run out (the provider then gives
     * minimums): so a short input draws ordinary traffic, not damage.
     */
    static boolean oneIn(FuzzedDataProvider d, int n) {
        return d.consumeInt(0, n - 1) == n - 1;
    }

    private static byte[] bytes(FuzzedDataProvider d, int n) {
        return Arrays.copyOf(d.consumeBytes(n), n);
    }
}
