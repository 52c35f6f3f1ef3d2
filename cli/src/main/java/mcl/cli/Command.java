package mcl.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One `mcl <name>` sub-command: its flags and what it does with them. */
public interface Command {
    String name();

    /** One line for `mcl --help`. */
    String summary();

    Options options();

    /** Runs with parsed flags; returns the process exit code. Throw {@link UsageException} for bad input. */
    int run(CommandLine cl) throws Exception;
}
