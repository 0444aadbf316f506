package io.dataplane.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * A device's TX checksum offload through the legacy ethtool ioctl ({@code SIOCETHTOOL} with
 * {@code ETHTOOL_GTXCSUM} / {@code ETHTOOL_STXCSUM}), the same switch as {@code ethtool -K DEV tx}.
 * It acts on the device of that name in the calling thread's network namespace.
 */
public final class Ethtool {
    private static final int SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GTXCSUM = 0x16;
    private static final int ETHTOOL_STXCSUM = 0x17;
    /** struct ifreq: char ifr_name[16], then a union whose first member we use is the ifr_data pointer. */
    private static final int IFREQ_SIZE = 40, IFNAMSIZ = 16, IFR_DATA = 16;

    /** ioctl(int fd, unsigned long request, ...): the third argument is variadic. */
    private static final MethodHandle IOCTL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private Ethtool() {
    }

    /** Whether {@code ifname} computes TCP/UDP checksums for the stack ("tx-checksumming: on"). */
    public static boolean txChecksumming(String ifname) {
        return call(ifname, ETHTOOL_GTXCSUM, 0) != 0;
    }

    /** Turns TX checksum offload on or off ({@code ethtool -K ifname tx on|off}); needs CAP_NET_ADMIN. */
    public static void setTxChecksumming(String ifname, boolean on) {
        call(ifname, ETHTOOL_STXCSUM, on ? 1 : 0);
    }

    private static int call(String ifname, int command, int data) {
        byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name too long: " + ifname);
        }
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(8, 4); // struct ethtool_value { u32 cmd; u32 data; }
            value.set(JAVA_INT, 0, command);
            value.set(JAVA_INT, 4, data);
            MemorySegment ifreq = a.allocate(IFREQ_SIZE, 8);
            MemorySegment.copy(name, 0, ifreq, JAVA_BYTE, 0, name.length);
            ifreq.set(ADDRESS, IFR_DATA, value);
            MemorySegment cs = a.allocate(Libc.CAPTURE_LAYOUT);
            int rc = (int) IOCTL.invokeExact(cs, fd, (long) SIOCETHTOOL, ifreq);
            if (rc < 0) {
                String what = (command == ETHTOOL_GTXCSUM ? "ETHTOOL_GTXCSUM " : "ETHTOOL_STXCSUM " + data + " ") + ifname;
                throw new NativeException("ioctl SIOCETHTOOL", what, Libc.errno(cs));
            }
            return value.get(JAVA_INT, 4);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        } finally {
            Libc.close(fd);
        }
    }
}
