package io.dataplane.tables;

import java.util.Locale;
import java.util.StringJoiner;

/**
 * The fields of the kernel's custom multipath hash (policy 3): the bits of
 * {@code net.ipv4.fib_multipath_hash_fields} / {@code net.ipv6.fib_multipath_hash_fields}
 * (Documentation/networking/ip-sysctl.rst; {@code FIB_MULTIPATH_HASH_FIELD_*} in
 * include/net/ip_fib.h), with the keywords operators type.
 */
public enum HashField {
    SRC_IP("src-ip", 0x0001),
    DST_IP("dst-ip", 0x0002),
    IP_PROTO("ip-proto", 0x0004),
    /** IPv6 only; the kernel ignores the bit for IPv4 ("unused"). */
    FLOWLABEL("flowlabel", 0x0008),
    SRC_PORT("src-port", 0x0010),
    DST_PORT("dst-port", 0x0020),
    INNER_SRC_IP("inner-src-ip", 0x0040),
    INNER_DST_IP("inner-dst-ip", 0x0080),
    INNER_IP_PROTO("inner-ip-proto", 0x0100),
    INNER_FLOWLABEL("inner-flowlabel", 0x0200),
    INNER_SRC_PORT("inner-src-port", 0x0400),
    INNER_DST_PORT("inner-dst-port", 0x0800);

    /** {@code FIB_MULTIPATH_HASH_FIELD_OUTER_MASK}. */
    public static final int OUTER = 0x003f;
    /** {@code FIB_MULTIPATH_HASH_FIELD_INNER_MASK}. */
    public static final int INNER = 0x0fc0;
    /** The kernel's default: source IP, destination IP and IP protocol (0x0007). */
    public static final int DEFAULT = 0x0007;

    private final String keyword;
    private final int bit;

    HashField(String keyword, int bit) {
        this.keyword = keyword;
        this.bit = bit;
    }

    public String keyword() {
        return keyword;
    }

    public int bit() {
        return bit;
    }

    /** The bit of one keyword; unknown keywords are refused with the list of valid ones. */
    public static int parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (HashField f : values()) {
            if (f.keyword.equals(n)) {
                return f.bit;
            }
        }
        StringJoiner valid = new StringJoiner(", ");
        for (HashField f : values()) {
            valid.add(f.keyword);
        }
        throw new IllegalArgumentException("unknown hash field '" + name + "'; use " + valid);
    }

    /** The keywords of the bits set in {@code mask}, in bit order, separated by spaces. */
    public static String format(int mask) {
        StringJoiner out = new StringJoiner(" ");
        for (HashField f : values()) {
            if ((mask & f.bit) != 0) {
                out.add(f.keyword);
            }
        }
        return out.toString();
    }
}
