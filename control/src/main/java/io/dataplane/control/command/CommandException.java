package io.dataplane.control.command;

/**
 * A command that cannot be carried out, with a message an operator can act on: what was wrong,
 * where (the token and its position when the grammar is at fault), and what is expected instead.
 * Thrown before anything changes, so the RIB and the published tables are as they were.
 */
public final class CommandException extends RuntimeException {
    public CommandException(String message) {
        super(message, null, false, false);
    }
}
