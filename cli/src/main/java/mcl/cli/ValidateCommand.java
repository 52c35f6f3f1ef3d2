package mcl.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import mcl.runtime.validate.Finding;
import mcl.runtime.validate.GraphValidator;
import mcl.runtime.validate.ValidationReport;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** `mcl validate PATH`: checks a graph folder or one .onnx for CI. Exit 0 passed, 1 a check failed. */
final class ValidateCommand implements Command, Main.TakesArguments {
    private final PrintStream out;

    ValidateCommand(PrintStream out) {
        this.out = out;
    }

    public String name() { return "validate"; }

    public String usage() { return "PATH [flags]"; }

    public String summary() { return "check any .onnx model (structure, ORT load, a run on random inputs, finite outputs) or a graph folder (plus mcl's contract and gradients)"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("json", null, "print one JSON object instead of lines"))
                .addOption(Main.flag("dim", "NAME=N", "size of a named (symbolic) input dimension for the test run, e.g. --dim batch=4; "
                        + "repeatable (default 2 for every named dimension, 1 for unnamed unknown ones)"))
                .addOption(Main.flag("gradient-entries", "N", "gradient entries to check by finite differences in training graphs (default "
                        + GraphValidator.DEFAULT_GRADIENT_ENTRIES + ")"));
    }

    public int run(CommandLine cl) throws Exception {
        if (cl.getArgList().size() != 1) throw new UsageException("give exactly one PATH (a graph folder or an .onnx file), got " + cl.getArgList().size());
        int entries = Main.intFlag(cl, "gradient-entries", GraphValidator.DEFAULT_GRADIENT_ENTRIES);
        if (entries < 0) throw new UsageException("--gradient-entries must be >= 0, got " + entries);
        java.util.Map<String, Long> dims = new java.util.LinkedHashMap<>();
        for (String d : cl.getOptionValues("dim") == null ? new String[0] : cl.getOptionValues("dim")) {
            String[] kv = d.split("=", 2);
            long n;
            try {
                n = kv.length == 2 ? Long.parseLong(kv[1].strip()) : -1;
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (kv[0].isBlank() || n < 1) throw new UsageException("--dim " + d + ": give NAME=N with a positive size, e.g. --dim batch=4");
            dims.put(kv[0].strip(), n);
        }
        ValidationReport r = GraphValidator.validate(Path.of(cl.getArgList().get(0)), entries, dims);
        if (cl.hasOption("json")) {
            out.println(r.toJson().toString());
        } else {
            for (Finding f : r.findings()) out.println(f.line());
        }
        return r.ok() ? 0 : 1;
    }
}
