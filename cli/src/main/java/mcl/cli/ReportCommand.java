package mcl.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import mcl.runtime.progress.CurvesPlot;
import mcl.runtime.train.MetricsLog;
import mcl.runtime.train.PretrainRun;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** `mcl report RUN_DIR`: the training curves of a run as a PNG. */
final class ReportCommand implements Command, Main.TakesArguments {
    private final PrintStream out;

    ReportCommand(PrintStream out) { this.out = out; }

    public String name() { return "report"; }

    public String usage() { return "RUN_DIR [flags]"; }

    public String summary() { return "draw a run's training curves (loss with its chance level, cosines, k-NN probe, lr, gradient norm, speed) as a PNG"; }

    public Options options() {
        return new Options().addOption(Main.flag("out", "FILE", "PNG to write (default RUN_DIR/curves.png)"));
    }

    public int run(CommandLine cl) throws Exception {
        if (cl.getArgList().size() != 1) throw new UsageException("give exactly one run folder: mcl report RUN_DIR [--out FILE.png]");
        Path dir = Path.of(cl.getArgList().get(0));
        Path metrics = dir.resolve(MetricsLog.FILE);
        if (!Files.isRegularFile(metrics)) throw new UsageException(dir + " is not a run folder (no " + MetricsLog.FILE + ")");
        Path png = Path.of(cl.getOptionValue("out", dir.resolve("curves.png").toString()));
        var records = MetricsLog.read(metrics);
        if (records.isEmpty()) throw new UsageException(metrics + " holds no steps yet");
        Path config = dir.resolve(PretrainRun.CONFIG);
        double chance = Files.isRegularFile(config) ? PretrainRun.readConfig(config).chanceLoss() : Double.NaN;
        CurvesPlot.write(records, "mcl run " + dir.toAbsolutePath().getFileName() + ": " + records.size() + (records.size() == 1 ? " step" : " steps"), png, chance);
        out.println("wrote " + png + " (" + records.size() + " steps)");
        return 0;
    }
}
