package io.dataplane.perf.vskernel;

/**
 * One second of a round: what was offered and forwarded (frames whose checksums verified) and
 * failed the sinks' checks, and who used the router core meanwhile (seconds, from
 * {@link ThreadScan}); steal per CPU. {@code disturbed} names why the second is dropped from the
 * medians, or is null.
 */
record SecondSample(double seconds, long offered, long forwarded, long bad, double contenderCpu, double foreignCpu,
        double harnessCpu, double stealGenerator, double stealRouter, String disturbed) {

    double forwardedPps() {
        return forwarded / seconds;
    }

    double offeredPps() {
        return offered / seconds;
    }

    /** The reason this second is left out, given the round's median offered rate, or null. */
    String disturbance(double medianOffered) {
        double limit = 0.05 * seconds;
        if (foreignCpu > limit) {
            return "other processes on the router core";
        }
        if (harnessCpu > limit) {
            return "the harness on the router core";
        }
        if (stealRouter > limit || stealGenerator > limit) {
            return "steal";
        }
        if (offered < 0.5 * medianOffered * seconds) {
            return "the generator stalled";
        }
        return null;
    }

    SecondSample withDisturbed(String why) {
        return new SecondSample(seconds, offered, forwarded, bad, contenderCpu, foreignCpu, harnessCpu, stealGenerator,
                stealRouter, why);
    }
}
