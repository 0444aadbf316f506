package io.dataplane.tables;

/**
 * The whole multipath hash configuration: which hash ({@code jenkins}, the Linux 4.4 scheme each
 * group's {@link MultipathAlgorithm} selects, or {@code kernel}, {@link KernelHash}), the seed,
 * and for the kernel hash each family's {@code fib_multipath_hash_policy} and
 * {@code fib_multipath_hash_fields} ({@link HashField} bits).
 */
public record HashConfiguration(boolean kernel, int seed, int policy4, int fields4, int policy6, int fields6) {
    /** Jenkins, seed 0, and the kernel's defaults (policy 0, fields src-ip dst-ip ip-proto) for each family. */
    public static final HashConfiguration DEFAULT =
            new HashConfiguration(false, 0, KernelHash.POLICY_L3, HashField.DEFAULT, KernelHash.POLICY_L3, HashField.DEFAULT);

    public HashConfiguration {
        policy(policy4);
        policy(policy6);
        if ((fields4 & ~(HashField.OUTER | HashField.INNER)) != 0 || (fields6 & ~(HashField.OUTER | HashField.INNER)) != 0) {
            throw new IllegalArgumentException("hash fields have bits outside 0x0fff");
        }
    }

    private static void policy(int p) {
        if (p < KernelHash.POLICY_L3 || p > KernelHash.POLICY_CUSTOM) {
            throw new IllegalArgumentException("hash policy " + p + " out of range 0..3");
        }
    }

    /** "jenkins" or "kernel", as operators type it. */
    public String function() {
        return kernel ? "kernel" : "jenkins";
    }

    public HashConfiguration withKernel(boolean k) {
        return new HashConfiguration(k, seed, policy4, fields4, policy6, fields6);
    }

    public HashConfiguration withSeed(int s) {
        return new HashConfiguration(kernel, s, policy4, fields4, policy6, fields6);
    }

    public HashConfiguration withPolicy(boolean ipv6, int p) {
        return ipv6 ? new HashConfiguration(kernel, seed, policy4, fields4, p, fields6)
                : new HashConfiguration(kernel, seed, p, fields4, policy6, fields6);
    }

    public HashConfiguration withFields(boolean ipv6, int f) {
        return ipv6 ? new HashConfiguration(kernel, seed, policy4, fields4, policy6, f)
                : new HashConfiguration(kernel, seed, policy4, f, policy6, fields6);
    }
}
