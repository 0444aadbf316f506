package io.dataplane.control;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: a {@code # HELP} and a
 * {@code # TYPE} line per metric family, then its samples, label values escaped as the format
 * says (backslash, double quote, newline).
 */
final class ExpositionWriter {
    /** The HTTP Content-Type of this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(8192);

    /** Starts a family: {@code type} is counter, gauge or histogram. */
    ExpositionWriter family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} alternate name and value. */
    ExpositionWriter sample(String name, long value, String... labels) {
        return sample(name, Long.toString(value), labels);
    }

    ExpositionWriter sample(String name, double value, String... labels) {
        return sample(name, decimal(value), labels);
    }

    /** A finite number in plain decimal ({@code 0.0001}, {@code 2.5}, {@code 1}), not Java's {@code 1.0E-4}. */
    static String decimal(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private ExpositionWriter sample(String name, String value, String... labels) {
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"")
                        .append(labels[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
        return this;
    }

    String text() {
        return out.toString();
    }
}
