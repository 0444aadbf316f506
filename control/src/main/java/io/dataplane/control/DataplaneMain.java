package io.dataplane.control;

import io.dataplane.demo.Demo;

/** {@code bin/dataplane}: dispatches to the daemon's commands. */
public final class DataplaneMain {
    private DataplaneMain() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "--help" : args[0];
        String[] rest = java.util.Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "demo" -> System.exit(Demo.run(rest));
            case "-h", "--help", "help" -> System.out.println("""
                    usage: bin/dataplane COMMAND [OPTIONS]

                    commands:
                      demo   run the built-in weighted-ECMP example in memory (see 'bin/dataplane demo --help')""");
            default -> {
                System.err.println("dataplane: unknown command '" + command + "'; see 'bin/dataplane --help'");
                System.exit(2);
            }
        }
    }
}
