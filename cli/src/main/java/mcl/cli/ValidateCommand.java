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

    public String summary() { return "check a graph folder (manifest.json) or an .onnx: structure, ORT load and run, gradients"; }

    public Options options() {
        return new Options()
                .addOption(Main.flag("json", null, "print one JSON object instead of lines"))
                .addOption(Main.flag("gradient-entries", "N", "gradient entries to check by finite differences in training graphs (default "
                        + GraphValidator.DEFAULT_GRADIENT_ENTRIES + ")"));
    }

    public int run(CommandLine cl) throws Exception {
        if (cl.getArgList().size() != 1) throw new UsageException("give exactly one PATH (a graph folder or an .onnx file), got " + cl.getArgList().size());
        int entries = Main.intFlag(cl, "gradient-entries", GraphValidator.DEFAULT_GRADIENT_ENTRIES);
        if (entries < 0) throw new UsageException("--gradient-entries must be >= 0, got " + entries);
        ValidationReport r = GraphValidator.validate(Path.of(cl.getArgList().get(0)), entries);
        if (cl.hasOption("json")) {
            out.println(r.toJson().toString());
        } else {
            for (Finding f : r.findings()) out.println(f.line());
        }
        return r.ok() ? 0 : 1;
    }
}
