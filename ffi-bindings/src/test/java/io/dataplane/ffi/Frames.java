package io.dataplane.ffi;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Builds small test frames (Ethernet + IPv4/IPv6 + UDP) without checksums the tests do not need. */
public final class Frames {
    private Frames() {
    }

    public static byte[] ipv4(String src, String dst, int payload) {
        try {
            ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + payload);
            b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + payload)).putInt(0)
                    .put((byte) 64).put((byte) 17).putShort((short) 0)
                    .put(InetAddress.getByName(src).getAddress()).put(InetAddress.getByName(dst).getAddress());
            b.putShort((short) 1234).putShort((short) 80).putShort((short) (8 + payload)).putShort((short) 0);
            return b.array();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static byte[] ipv6(String src, String dst, int payload) {
        try {
            ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + payload);
            b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x86dd);
            b.putInt(0x60000000).putShort((short) (8 + payload)).put((byte) 17).put((byte) 64)
                    .put(InetAddress.getByName(src).getAddress()).put(InetAddress.getByName(dst).getAddress());
            b.putShort((short) 1234).putShort((short) 80).putShort((short) (8 + payload)).putShort((short) 0);
            return b.array();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static byte[] arp() {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        return b.array();
    }
}
