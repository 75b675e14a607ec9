package org.dl4jopt.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;

/**
 * The parsed command line of {@code examples/run}: picocli binds the subcommands ({@code cnn}, {@code transformer},
 * {@code compare MODEL}, {@code optimizers}, {@code help}) and their options and writes the help; the checks that
 * involve several options are here. Nothing here touches ND4J.
 */
public final class Options {
    public enum Command {
        RUN,
        COMPARE,
        HELP,
        LIST
    }

    /** One optimizer to train with: registry entry, learning rate actually used, and a label for files/tables. */
    public record OptimizerChoice(OptimizerRegistry.Entry entry, double learningRate, String label) {}

    /**
     * One optimizer of the command line with its candidate learning rates (one, or several for a sweep), in
     * ascending order. {@code swept}: the candidates came from {@code --lr-sweep} or {@code NAME:LR1/LR2/...}.
     */
    public record OptimizerPlan(
            OptimizerRegistry.Entry entry, String label, List<Double> learningRates, boolean swept) {
        /** The run with the i-th candidate learning rate. */
        public OptimizerChoice choice(int i) {
            return new OptimizerChoice(entry, learningRates.get(i), label);
        }
    }

    // ------------------------------------------------------------------------------------------------ picocli

    private static final String MODELS_TEXT =
            "Models: cnn = the reference CNN (conv16-pool-conv32-pool-dense128-softmax10)"
                    + " on Fashion-MNIST, judged by test accuracy; cnn3 = the Drop-Muon paper's 3-layer CNN (conv64-pool-"
                    + "conv128-pool-conv256-pool-softmax10) on Fashion-MNIST, judged by training accuracy on the first"
                    + " --test-limit training images (default 10000); transformer = a character-level decoder-only transformer"
                    + " (dModel 64, 4 heads, 2 blocks) on the Debian fortunes text, judged by validation bits per character"
                    + " (bpc).";
    private static final String OUTPUTS_TEXT = "Outputs: DIR/summary.json, curves.csv, evals.csv, curves.png for a run;"
            + " for compare, one such directory per run (DIR/NAME/, or DIR/NAME/lrLR-seedS/ when an optimizer has"
            + " several runs) plus DIR/report.html (self-contained), comparison.csv, comparison.md, comparison.png"
            + " and sweep.csv.";

    @CommandLine.Command(
            name = "examples/run",
            synopsisSubcommandLabel = "COMMAND",
            description = "Trains the reference models with the dl4j-optimizers optimizers and compares them.",
            footer = {"", MODELS_TEXT, "", "Run 'examples/run compare --help' for the options of every command."})
    static final class Root {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "this help")
        boolean help;
    }

    /** A single run of one model ({@code cnn}, {@code cnn3}, {@code transformer}); the description is set per model. */
    @CommandLine.Command
    static final class SingleRun {
        final String model;

        @Mixin
        Options options;

        SingleRun(String model) {
            this.model = model;
        }

        static CommandLine command(String model, String description) {
            CommandLine c = new CommandLine(new SingleRun(model));
            c.getCommandSpec().usageMessage().description(description).footer("", OUTPUTS_TEXT);
            return c;
        }
    }

    @CommandLine.Command(
            description = "Train MODEL once per optimizer (learning-rate sweep and seed repeats optional) and compare.",
            footer = {"", MODELS_TEXT, "", OUTPUTS_TEXT})
    static final class Compare {
        @Parameters(index = "0", paramLabel = "MODEL", description = "cnn, cnn3 or transformer")
        String model;

        @Mixin
        Options options;
    }

    @CommandLine.Command(description = "List the optimizer names.")
    static final class ListOptimizers {}

    @CommandLine.Command(description = "Show this help.")
    static final class Help {}

    /** The command line's parser: one subcommand per command, case-insensitive names, abbreviations off. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Root());
        cl.addSubcommand("cnn", SingleRun.command("cnn", "Train the reference CNN once (test accuracy)."));
        cl.addSubcommand(
                "cnn3", SingleRun.command("cnn3", "Train the Drop-Muon paper's 3-layer CNN once (training accuracy)."));
        cl.addSubcommand(
                "transformer",
                SingleRun.command("transformer", "Train the character transformer once (validation bpc)."));
        cl.addSubcommand("compare", new Compare());
        cl.addSubcommand("optimizers", new ListOptimizers(), "list");
        cl.addSubcommand("help", new Help());
        cl.setSubcommandsCaseInsensitive(true);
        cl.setUsageHelpWidth(110);
        return cl;
    }

    /** The generated help: the commands, then the options (those of {@code compare}, which has every option). */
    public static final String USAGE = commandLine().getUsageMessage()
            + "\n"
            + commandLine().getSubcommands().get("compare").getUsageMessage();

    /** The help to print for a {@link Command#HELP} command line (the named command's, or {@link #USAGE}). */
    public String help = USAGE;

    public Command command = Command.HELP;
    public String model = "cnn";
    public List<OptimizerPlan> optimizers = new ArrayList<>();
    /** The seeds of the runs; the first is the sweep's (and a single run's) seed. */
    public List<Long> seeds = List.of(42L);
    /** Multipliers of {@code --lr-sweep}, or null. */
    public List<Double> lrSweep;
    /** Target of the model's metric ({@code --target-accuracy} / {@code --target-bpc}), or null (no target). */
    public Double target;
    /** Label of the {@code --baseline} optimizer (resolved: adam if listed, else the first). */
    public String baseline;

    // the options of every command, bound by picocli (Options is the commands' mixin); null or default = not given
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "this help")
    boolean helpRequested;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "optimizer of a single run (default muon)")
    private String optimizerOption;

    @Option(
            names = "--optimizers",
            paramLabel = "LIST",
            description = "comma-separated optimizers to compare (default muon,adam); NAME:LR sets that"
                    + " optimizer's learning rate, NAME:LR1/LR2/LR3 sweeps these rates")
    private String optimizersOption;

    @Option(
            names = "--lr-sweep",
            paramLabel = "M1,M2,...",
            description = "compare: try each optimizer at these multiples of its learning rate (its default, --lr"
                    + " or NAME:LR), e.g. 0.5,1,2; NAME:LR1/LR2 lists are kept as given. Best rate per optimizer:"
                    + " the one reaching the target in the fewest iterations (ties: better final metric); without"
                    + " a target or if none reaches it, the best final metric. Diverged candidates are skipped."
                    + " Candidates train largest rate first; with --stop-at-target, a candidate trains at most as"
                    + " many iterations as a larger rate needed to reach the target (it could not be chosen after"
                    + " that)")
    private String lrSweepOption;

    @Option(
            names = "--seeds",
            paramLabel = "S1,S2,...",
            description = "compare: repeat each optimizer at its best rate with these seeds and report the median"
                    + " time to target and its spread; the sweep uses S1")
    private String seedsOption;

    @Option(
            names = "--baseline",
            paramLabel = "NAME",
            description = "compare: optimizer the ratios are relative to (default adam if listed, else the first)")
    private String baselineOption;

    @Option(names = "--epochs", paramLabel = "N", description = "training epochs (default 1)")
    public int epochs = 1;

    @Option(
            names = "--max-steps",
            paramLabel = "N",
            description = "stop after N iterations (default 0 = run all epochs)")
    public int maxSteps = 0;

    @Option(
            names = "--batch",
            paramLabel = "B",
            description = "minibatch size (default 128 for cnn and cnn3, 32 windows for transformer)")
    public int batch = 128;

    @Option(
            names = "--train-limit",
            paramLabel = "K",
            description = "cnn, cnn3: use only the first K training examples (default 0 = all 60000)")
    public int trainLimit = 0;

    @Option(
            names = "--test-limit",
            paramLabel = "K",
            description =
                    "cnn: the first K test examples (default 0 = all 10000); cnn3: training accuracy is measured on"
                            + " the first K training examples (default 0 = 10000); transformer: about K validation"
                            + " characters (whole batches of 64 windows; default 0 = all)")
    public int testLimit = 0;

    @Option(names = "--seed", paramLabel = "S", description = "weight-init and shuffle seed (default 42)")
    private Long seedOption;

    @Option(
            names = "--lr",
            paramLabel = "X",
            description = "learning rate (default: the optimizer's own; with compare it applies to every optimizer"
                    + " without a NAME:LR)")
    public Double learningRate;

    @Option(
            names = "--adam-lr",
            paramLabel = "X",
            description = "muon, dropmuon, fismo, fismo-graft, lanton: learning rate of their AdamW fallback (first"
                    + " convolution, embeddings, output layer, biases; default each optimizer's own, README"
                    + " 'adamLearningRate'); the other"
                    + " optimizers of a compare are not affected")
    public Double adamLearningRate;

    @Option(
            names = "--sign-lr",
            paramLabel = "X",
            description = "lanton: learning rate of its Signum group (first convolution, embeddings, output layer;"
                    + " default the library's); the other optimizers of a compare are not affected")
    public Double signLearningRate;

    @Option(
            names = "--damping",
            paramLabel = "X",
            description = "fismo, fismo-graft: relative damping of the Fisher factors (default the library's 1e-3);"
                    + " the other optimizers of a compare are not affected")
    public Double damping;

    @Option(
            names = "--weight-decay",
            paramLabel = "X",
            description =
                    "decoupled weight decay (W <- W - lr*X*W); Adam becomes AdamW (default none; adamw:" + " 0.01)")
    public Double weightDecay;

    @Option(
            names = "--eval-every",
            paramLabel = "N",
            description = "also evaluate on the test set every N iterations within an epoch (default 200, 0 = only"
                    + " at the end of each epoch); this is the resolution of the time to target")
    public int evalEvery = 200;

    @Option(
            names = "--target-accuracy",
            paramLabel = "X",
            description = "report the training seconds and iterations until the first evaluation with test"
                    + " accuracy (cnn3: training accuracy) >= X (a fraction, e.g. 0.88); compare adds the columns and each optimizer's time"
                    + " ratio to the baseline (default none)")
    private Double targetAccuracy;

    @Option(
            names = "--target-bpc",
            paramLabel = "X",
            description = "transformer: as --target-accuracy for validation bits per character <= X")
    private Double targetBpc;

    @Option(
            names = "--stop-at-target",
            description = "end a run at the first evaluation that reaches the target (saves time in sweeps; the"
                    + " final metric is then the one at the target)")
    public boolean stopAtTarget;

    @Option(
            names = "--resume",
            description = "compare: reuse every run whose directory under --out holds a run.json of the same"
                    + " settings (model, data, optimizer, rate, seed, schedule, target) instead of training it"
                    + " again, so a long comparison can be continued after it was stopped; runs of other settings"
                    + " there are an error. The code is not compared: resume only with the same version")
    public boolean resume;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "cnn, cnn3: Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist); transformer:"
                    + " fortune files (default /usr/share/games/fortunes)")
    public Path dataDir;

    @Option(
            names = "--text-file",
            paramLabel = "FILE",
            description = "transformer: train on this text instead (its last 10%% is the validation text)")
    public Path textFile;

    @Option(
            names = "--seq-len",
            paramLabel = "N",
            description = "transformer: context window in characters (default 64)")
    public int seqLen = 64;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (required)")
    public Path out;

    private static final List<String> MODELS = List.of("cnn", "cnn3", "transformer");
    private static final Set<String> CNN_ONLY = Set.of("--target-accuracy", "--train-limit");
    private static final Set<String> TRANSFORMER_ONLY = Set.of("--target-bpc", "--text-file", "--seq-len");

    /**
     * Parses the arguments of {@code examples/run} (options as {@code --name value} or {@code --name=value}).
     *
     * @throws CliException with a message fit for the user
     */
    public static Options parse(String... args) {
        Options o = new Options();
        CommandLine cl = commandLine();
        ParseResult root;
        try {
            root = cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw CliException.usage(e.getMessage());
        }
        ParseResult sub = root.subcommand();
        if (root.isUsageHelpRequested() || sub == null) {
            return o;
        }
        CommandLine subCl = sub.commandSpec().commandLine();
        if (subCl.isUsageHelpRequested()) {
            o.help = subCl.getUsageMessage();
            return o;
        }
        Object cmd = sub.commandSpec().userObject();
        if (cmd instanceof Help) {
            return o;
        } else if (cmd instanceof ListOptimizers) {
            o.command = Command.LIST;
            return o;
        } else if (cmd instanceof Compare) {
            o = ((Compare) cmd).options;
            o.command = Command.COMPARE;
            o.model = model(((Compare) cmd).model);
        } else {
            SingleRun run = (SingleRun) cmd;
            o = run.options;
            o.model = run.model;
            o.command = Command.RUN;
        }
        o.check(sub.matchedOptions().stream().map(OptionSpec::longestName).collect(Collectors.toSet()));
        return o;
    }

    /** Checks the bound options ({@code given}: the names on the command line) and derives the rest. */
    private void check(Set<String> given) {
        Options o = this;
        Set<String> notForModel = o.model.equals("transformer") ? CNN_ONLY : TRANSFORMER_ONLY;
        for (String name : given) {
            if (notForModel.contains(name)) {
                throw CliException.usage(name + " is not an option of the " + o.model + " model"
                        + (name.equals("--train-limit") ? " (use --max-steps)" : "") + ".");
            }
        }
        if (o.model.equals("transformer") && !given.contains("--batch")) {
            o.batch = 32;
        }
        atLeast("--seq-len", seqLen, 1);
        atLeast("--epochs", epochs, 1);
        atLeast("--max-steps", maxSteps, 0);
        atLeast("--batch", batch, 1);
        atLeast("--train-limit", trainLimit, 0);
        atLeast("--test-limit", testLimit, 0);
        atLeast("--eval-every", evalEvery, 0);
        if (seedOption != null && seedsOption != null) {
            throw CliException.usage("Give either --seed S or --seeds S1,S2,..., not both.");
        }
        if (seedOption != null) {
            o.seeds = List.of(seedOption);
        }
        if (seedsOption != null) {
            List<Long> seeds = new ArrayList<>();
            for (String part : seedsOption.split(",")) {
                long seed = parseLong("--seeds", part);
                if (seeds.contains(seed)) {
                    throw CliException.usage("--seeds lists seed " + seed + " twice.");
                }
                seeds.add(seed);
            }
            o.seeds = List.copyOf(seeds);
        }
        positive("--lr", learningRate);
        positive(OptimizerRegistry.ADAM_LR, adamLearningRate);
        positive(OptimizerRegistry.SIGN_LR, signLearningRate);
        positive(OptimizerRegistry.DAMPING, damping);
        if (lrSweepOption != null) {
            List<Double> m = new ArrayList<>();
            for (String part : lrSweepOption.split(",")) {
                double v = parseDouble("--lr-sweep", part);
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw CliException.usage("--lr-sweep multipliers must be > 0, got '" + part.trim() + "'.");
                }
                m.add(v);
            }
            o.lrSweep = List.copyOf(m);
        }
        if (weightDecay != null && (!(weightDecay >= 0) || Double.isInfinite(weightDecay))) {
            throw CliException.usage("--weight-decay must be >= 0, got " + weightDecay + ".");
        }
        if (targetAccuracy != null) {
            double t = targetAccuracy;
            if (!(t > 0 && t <= 1)) {
                throw CliException.usage("--target-accuracy is a fraction in (0, 1], e.g. 0.88; got " + t + ".");
            }
            o.target = t;
        }
        if (targetBpc != null) {
            double t = targetBpc;
            if (!(t > 0) || Double.isInfinite(t)) {
                throw CliException.usage("--target-bpc is bits per character > 0, e.g. 2.5; got " + t + ".");
            }
            o.target = t;
        }
        if (o.stopAtTarget && o.target == null) {
            throw CliException.usage("--stop-at-target needs a target (--target-accuracy or --target-bpc).");
        }
        if (out == null) {
            throw CliException.usage("Missing --out DIR (where results are written).");
        }

        if (o.command == Command.RUN) {
            for (String compareOnly : List.of("--optimizers", "--lr-sweep", "--seeds", "--baseline", "--resume")) {
                if (given.contains(compareOnly)) {
                    throw CliException.usage(compareOnly + " is for 'compare " + o.model
                            + "'; a single run takes --optimizer NAME, --lr X and --seed S.");
                }
            }
            o.optimizers.add(plan(optimizerOption != null ? optimizerOption : "muon", o.learningRate, null, false));
        } else {
            if (optimizerOption != null) {
                throw CliException.usage("compare takes --optimizers NAME,NAME,... (plural).");
            }
            String list = optimizersOption != null ? optimizersOption : "muon,adam";
            for (String spec : list.split(",")) {
                if (!spec.isBlank()) {
                    o.optimizers.add(plan(spec.trim(), o.learningRate, o.lrSweep, true));
                }
            }
            if (o.optimizers.isEmpty()) {
                throw CliException.usage("--optimizers lists no optimizer.");
            }
            o.optimizers = labelled(o.optimizers);
            List<String> labels =
                    o.optimizers.stream().map(OptimizerPlan::label).toList();
            if (baselineOption != null) {
                String b = baselineOption.trim().toLowerCase(Locale.ROOT);
                if (!labels.contains(b)) {
                    throw CliException.usage("--baseline " + b + " is not among the compared optimizers ("
                            + String.join(", ", labels) + ").");
                }
                o.baseline = b;
            } else {
                o.baseline = labels.contains("adam") ? "adam" : labels.get(0);
            }
        }
        for (String option : extras().given()) {
            List<String> accepting = OptimizerRegistry.accepting(option);
            if (o.optimizers.stream()
                    .noneMatch(p -> accepting.contains(p.entry().name()))) {
                throw CliException.usage(option + " applies only to " + String.join(", ", accepting)
                        + ", and none of them is among the optimizers of this command.");
            }
        }
    }

    /** The rates of {@code --adam-lr} and {@code --sign-lr} (null: each optimizer's default). */
    public OptimizerRegistry.Extras extras() {
        return new OptimizerRegistry.Extras(adamLearningRate, signLearningRate, damping);
    }

    /** The seed of a single run and of a comparison's sweep. */
    public long seed() {
        return seeds.get(0);
    }

    /**
     * Labels runs by optimizer name; the same optimizer listed twice (each with one rate, e.g. adam:1e-3,adam:3e-3)
     * is labelled by name and rate.
     */
    private static List<OptimizerPlan> labelled(List<OptimizerPlan> plans) {
        Map<String, Integer> count = new LinkedHashMap<>();
        plans.forEach(c -> count.merge(c.entry().name(), 1, Integer::sum));
        Set<String> labels = new HashSet<>();
        List<OptimizerPlan> out = new ArrayList<>();
        for (OptimizerPlan c : plans) {
            String label = c.entry().name();
            if (count.get(c.entry().name()) > 1) {
                if (c.learningRates().size() > 1) {
                    throw CliException.usage("Optimizer " + label + " is listed twice with a sweep; list its rates "
                            + "once as " + label + ":LR1/LR2/....");
                }
                label = label + "-lr" + Reports.shortNum(c.learningRates().get(0));
            }
            if (!labels.add(label)) {
                throw CliException.usage("Optimizer " + label + " is listed twice.");
            }
            out.add(new OptimizerPlan(c.entry(), label, c.learningRates(), c.swept()));
        }
        return out;
    }

    /**
     * One optimizer from {@code NAME}, {@code NAME:LR} or {@code NAME:LR1/LR2/...}; without an explicit list, the
     * base rate ({@code globalLr} or the default) times each {@code sweep} multiplier.
     */
    private static OptimizerPlan plan(String spec, Double globalLr, List<Double> sweep, boolean allowInlineLr) {
        String name = spec;
        List<Double> lrs = new ArrayList<>();
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            if (!allowInlineLr) {
                throw CliException.usage("Use --lr to set the learning rate of a single run, not NAME:LR.");
            }
            name = spec.substring(0, colon);
            for (String part : spec.substring(colon + 1).split("/")) {
                double v = parseDouble("learning rate of " + name, part);
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw CliException.usage("The learning rate of " + name + " must be > 0, got " + part + ".");
                }
                lrs.add(v);
            }
        }
        OptimizerRegistry.Entry e = OptimizerRegistry.get(name);
        boolean swept = lrs.size() > 1;
        if (lrs.size() == 1 && sweep != null || lrs.isEmpty()) {
            double base = lrs.isEmpty() ? (globalLr != null ? globalLr : e.defaultLearningRate()) : lrs.get(0);
            lrs.clear();
            if (sweep == null) {
                lrs.add(base);
            } else {
                sweep.forEach(m -> lrs.add(roundSignificant(base * m)));
                swept = lrs.size() > 1;
            }
        }
        List<Double> sorted = lrs.stream().distinct().sorted().toList();
        if (sorted.size() != lrs.size()) {
            throw CliException.usage("The learning rates of " + name + " repeat a value: " + lrs + ".");
        }
        return new OptimizerPlan(e, e.name(), sorted, swept);
    }

    /** {@code v} to 6 significant digits, so that 1e-3 * 3 is 0.003 and not 0.0030000000000000005. */
    static double roundSignificant(double v) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.6g", v));
    }

    private static String model(String name) {
        String m = name.toLowerCase(Locale.ROOT);
        if (!MODELS.contains(m)) {
            throw CliException.usage("Unknown model '" + name + "'. Models: " + String.join(", ", MODELS) + ".");
        }
        return m;
    }

    private static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw CliException.usage(name + " must be an integer >= " + min + ", got " + value + ".");
        }
    }

    private static void positive(String name, Double value) {
        if (value != null && (!(value > 0) || Double.isInfinite(value))) {
            throw CliException.usage(name + " must be > 0, got " + value + ".");
        }
    }

    private static long parseLong(String name, String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage(name + " must be an integer, got '" + s + "'.");
        }
    }

    private static double parseDouble(String name, String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage(name + " must be a number, got '" + s + "'.");
        }
    }
}
