package io.dataplane.control.fuzz;

/**
 * {@code bin/bench fuzz-commands [--minutes N | --seconds N] [--seed S] [--steps N]}: fresh seeds
 * of {@link CommandFuzzer} until the time is up, then one line of counts. Exits 1 at the first
 * disagreement, printing it with its seed (replay: {@code --seed S --seconds 1}).
 */
public final class CommandFuzz {
    private CommandFuzz() {
    }

    public static void main(String[] args) {
        long seconds = 60;
        long seed = System.currentTimeMillis();
        int steps = 300;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> seconds = 60 * Long.parseLong(args[++i]);
                case "--seconds" -> seconds = Long.parseLong(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: bin/bench fuzz-commands [--minutes N | --seconds N] [--seed S] [--steps N]");
                    System.exit(2);
                }
            }
        }
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        CommandFuzzer.Counts total = new CommandFuzzer.Counts();
        long seeds = 0;
        long start = System.nanoTime();
        try {
            for (long s = seed; seeds == 0 || System.nanoTime() < end; s++) {
                try (CommandFuzzer f = new CommandFuzzer(s)) {
                    try {
                        f.run(steps);
                    } finally {
                        total.add(f.counts);
                    }
                }
                seeds++;
            }
        } catch (AssertionError e) {
            System.out.println("fuzz-commands: DISAGREEMENT after " + seeds + " seeds from " + seed + ": " + total);
            System.out.println(e.getMessage());
            System.exit(1);
        }
        System.out.printf("fuzz-commands: %d s, seeds %d..%d (%d of %d steps), %s; 0 disagreements%n",
                (System.nanoTime() - start) / 1_000_000_000L, seed, seed + seeds - 1, seeds, steps, total);
    }
}
