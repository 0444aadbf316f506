package io.dataplane.control;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.concurrent.TimeUnit;

/**
 * A time in seconds printed as iproute2 prints nexthop timers and idle times (print_tv: the
 * kernel's clock_t hundredths, then {@code %g}): {@code 120}, {@code 0.15}, {@code 4.29497e+07}.
 * A {@link Number}, so {@link JsonWriter} writes it bare in JSON, as {@code ip -j} does.
 */
final class Seconds extends Number {
    private final long hundredths;

    private Seconds(long hundredths) {
        this.hundredths = hundredths;
    }

    /** Nanoseconds truncated to hundredths of a second, as the kernel reports them (jiffies to clock_t). */
    static Seconds ofNanos(long nanos) {
        return new Seconds(Math.max(0, nanos) / TimeUnit.MILLISECONDS.toNanos(10));
    }

    @Override
    public String toString() {
        if (hundredths == 0) {
            return "0";
        }
        BigDecimal v = BigDecimal.valueOf(hundredths, 2).round(new MathContext(6));
        int exponent = v.precision() - v.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String mantissa = v.movePointLeft(exponent).stripTrailingZeros().toPlainString();
            return mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return v.stripTrailingZeros().toPlainString();
    }

    @Override
    public int intValue() {
        return (int) longValue();
    }

    @Override
    public long longValue() {
        return hundredths / 100;
    }

    @Override
    public float floatValue() {
        return (float) doubleValue();
    }

    @Override
    public double doubleValue() {
        return hundredths / 100.0;
    }
}
