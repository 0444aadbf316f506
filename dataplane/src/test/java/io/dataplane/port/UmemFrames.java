package io.dataplane.port;

/** Test access to a {@link Umem}'s free frames: what a traffic generator sends from. */
public final class UmemFrames {
    private UmemFrames() {
    }

    /** Takes a free frame as if the pipeline had received it (send it or release it); -1 when none is free. */
    public static long take(Umem umem) {
        long frame = umem.takeForKernel();
        if (frame >= 0) {
            umem.receivedByPipeline(1);
        }
        return frame;
    }
}
