package io.dataplane.control.daemon;

import io.dataplane.control.command.IpAddress;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Addresses as the kernel (rtnetlink, java.net) hands them over, converted to the RIB's and the tables' forms and back. */
public final class KernelAddresses {
    /** {@link #mac} of something that is not a 6-byte MAC. */
    public static final long NO_MAC = -1;

    private KernelAddresses() {
    }

    /** The address in {@code raw} (4 or 16 bytes in network order, as rtnetlink carries it), without an InetAddress. */
    public static IpAddress ipAddress(byte[] raw) {
        // Read in place, not through a ByteBuffer: a followed full table converts a million of them.
        return switch (raw.length) {
            case 4 -> IpAddress.v4((int) INT.get(raw, 0));
            case 16 -> new IpAddress(true, (long) LONG.get(raw, 0), (long) LONG.get(raw, 8));
            default -> throw new IllegalArgumentException("bad address length " + raw.length);
        };
    }

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    public static IpAddress ipAddress(InetAddress a) {
        ByteBuffer bb = ByteBuffer.wrap(a.getAddress());
        return a instanceof Inet4Address ? IpAddress.v4(bb.getInt()) : new IpAddress(true, bb.getLong(), bb.getLong());
    }

    public static InetAddress inetAddress(IpAddress a) {
        ByteBuffer bb = ByteBuffer.allocate(a.v6() ? 16 : 4);
        if (a.v6()) {
            bb.putLong(a.hi()).putLong(a.lo());
        } else {
            bb.putInt(a.v4Value());
        }
        try {
            return InetAddress.getByAddress(bb.array());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
        }
    }

    /** A 6-byte MAC as the 48-bit long the RIB and the nexthop table store; {@link #NO_MAC} for anything else. */
    public static long mac(byte[] mac) {
        if (mac == null || mac.length != 6) {
            return NO_MAC;
        }
        long v = 0;
        for (byte b : mac) {
            v = v << 8 | (b & 0xff);
        }
        return v;
    }
}
