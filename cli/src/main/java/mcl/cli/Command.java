package mcl.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** One `mcl <name>` sub-command: its flags and what it does with them. */
public interface Command {
    String name();

    /** One line for `mcl --help`. */
    String summary();

    Options options();

    /** The flags as `mcl CMD --help` shows them; {@code args} are the rest of the command line (a preset may change the defaults shown). */
    default Options helpOptions(String[] args) { return options(); }

    /** What follows `mcl NAME` in the usage line: positional arguments first, e.g. "PATH [flags]". */
    default String usage() { return "[flags]"; }

    /** Runs with parsed flags; returns the process exit code. Throw {@link UsageException} for bad input. */
    int run(CommandLine cl) throws Exception;
}
