package mcl.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;

/** The `mcl` command: dispatches to sub-commands. Exit codes: 0 ok, 1 failed check/run, 2 usage error. */
public final class Main {
    public static final int USAGE = 2;

    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final PrintStream out;
    private final PrintStream err;

    public Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        for (Command c : List.<Command>of(new PretrainCommand(out), new ReportCommand(out), new PreviewCommand(out), new GraphsCommand(out), new ExportCommand(out), new ValidateCommand(out), new BenchCommand(out), new TransferCommand(out), new ProbeCommand(out), new DataCommand(out))) commands.put(c.name(), c);
    }

    /** Swaps in another implementation of a command (tests inject failures with it). */
    void replace(Command c) { commands.put(c.name(), c); }

    public static void main(String[] args) {
        System.exit(new Main(System.out, System.err).run(args));
    }

    public int run(String... args) {
        if (args.length > 0 && (args[0].equals("--version") || args[0].equals("version"))) {
            out.println("mcl " + version());
            return 0;
        }
        if (args.length >= 2 && args[0].equals("help")) {
            Command c = commands.get(args[1]);
            if (c == null) return unknownCommand(args[1]);
            printHelp(c, java.util.Arrays.copyOfRange(args, 2, args.length));
            return 0;
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printOverview();
            return args.length == 0 ? USAGE : 0;
        }
        Command c = commands.get(args[0]);
        if (c == null) return unknownCommand(args[0]);
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        if (List.of(rest).contains("--help") || List.of(rest).contains("-h")) {
            printHelp(c, rest);
            return 0;
        }
        try {
            CommandLine cl = new DefaultParser().parse(c.options(), rest);
            if (!cl.getArgList().isEmpty() && !acceptsPositional(c)) {
                throw new UsageException("unexpected argument '" + cl.getArgList().get(0) + "'; usage: mcl " + c.name() + " " + c.usage());
            }
            return c.run(cl);
        } catch (UnrecognizedOptionException e) {
            List<String> valid = c.options().getOptions().stream().map(o -> "--" + o.getLongOpt()).sorted().toList();
            err.println("mcl " + c.name() + ": unknown flag '" + e.getOption() + "'" + suggestion(e.getOption(), valid)
                    + "; valid flags: " + String.join(", ", valid));
            return USAGE;
        } catch (ParseException | UsageException | IllegalArgumentException e) {
            // A message may hold several problems, one per line: each gets the prefix.
            for (String line : String.valueOf(e.getMessage()).split("\n")) err.println("mcl " + c.name() + ": " + line);
            return USAGE;
        } catch (Exception e) {
            err.println("mcl " + c.name() + ": failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return 1;
        }
    }

    private int unknownCommand(String name) {
        err.println("mcl: unknown command '" + name + "'" + suggestion(name, commands.keySet())
                + "; valid commands: " + String.join(", ", commands.keySet()));
        return USAGE;
    }

    /** The Maven project version, filtered into version.properties at build time. */
    static String version() {
        try (var in = Main.class.getResourceAsStream("version.properties")) {
            var p = new java.util.Properties();
            if (in != null) p.load(in);
            return p.getProperty("version", "(unknown version)");
        } catch (java.io.IOException e) {
            return "(unknown version)";
        }
    }

    /** Positional arguments are declared by commands that implement this marker. */
    public interface TakesArguments { }

    private static boolean acceptsPositional(Command c) { return c instanceof TakesArguments; }

    /** ", did you mean 'x'?" for the closest candidate within a small edit distance. */
    static String suggestion(String given, java.util.Collection<String> candidates) {
        String g = given.replaceFirst("^-+", "");
        return candidates.stream()
                .min(Comparator.comparingInt(c -> distance(g, c.replaceFirst("^-+", ""))))
                .filter(c -> distance(g, c.replaceFirst("^-+", "")) <= Math.max(2, g.length() / 3))
                .map(c -> " (did you mean '" + c + "'?)")
                .orElse("");
    }

    private static int distance(String a, String b) {
        return org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance().apply(a, b);
    }

    private void printOverview() {
        out.println("mcl: Multi-Level Contrastive Learning pre-training of detection backbones on ONNX Runtime");
        out.println();
        out.println("usage: mcl <command> [arguments] [flags]      (mcl help <command> or mcl <command> --help for its flags)");
        out.println("       mcl --version");
        out.println();
        int w = commands.keySet().stream().mapToInt(String::length).max().orElse(8);
        for (Command c : commands.values()) out.printf("  %-" + w + "s  %s%n", c.name(), c.summary());
    }

    private void printHelp(Command c, String[] rest) {
        PrintWriter pw = new PrintWriter(out);
        HelpFormatter f = new HelpFormatter();
        f.setOptionComparator(null); // the order the command declares, not alphabetical
        f.printHelp(pw, 110, "mcl " + c.name() + " " + c.usage(), c.summary(), c.helpOptions(rest), 2, 2, "", false);
        pw.flush();
    }

    /** Reads an int flag with a default, naming the flag when the value is not a number. */
    static int intFlag(CommandLine cl, String flag, int dflt) {
        String v = cl.getOptionValue(flag);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + flag + " needs an integer, got '" + v + "'");
        }
    }

    /** Reads a number flag with a default, naming the flag when the value is not a number. */
    static double doubleFlag(CommandLine cl, String flag, double dflt) {
        String v = cl.getOptionValue(flag);
        if (v == null) return dflt;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + flag + " needs a number, got '" + v + "'");
        }
    }

    static Option flag(String longName, String argName, String description) {
        Option.Builder b = Option.builder().longOpt(longName).desc(description);
        if (argName != null) b.hasArg().argName(argName);
        return b.build();
    }

    static String joined(java.util.Collection<String> xs) { return xs.stream().collect(Collectors.joining("|")); }
}
