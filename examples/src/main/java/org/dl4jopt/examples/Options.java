package org.dl4jopt.examples;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The parsed command line of {@code examples/run}. Parsing only; nothing here touches ND4J. */
public final class Options {

    public enum Command { RUN, COMPARE, HELP, LIST }

    /** One optimizer to train with: registry entry, learning rate actually used, and a label for files/tables. */
    public record OptimizerChoice(OptimizerRegistry.Entry entry, double learningRate, String label) {
    }

    /**
     * One optimizer of the command line with its candidate learning rates (one, or several for a sweep), in
     * ascending order. {@code swept}: the candidates came from {@code --lr-sweep} or {@code NAME:LR1/LR2/...}.
     */
    public record OptimizerPlan(OptimizerRegistry.Entry entry, String label, List<Double> learningRates,
                                boolean swept) {
        /** The run with the i-th candidate learning rate. */
        public OptimizerChoice choice(int i) {
            return new OptimizerChoice(entry, learningRates.get(i), label);
        }
    }

    public static final String USAGE = String.join("\n",
            "Usage:",
            "  examples/run cnn|transformer --optimizer NAME --out DIR [options]",
            "  examples/run compare cnn|transformer --optimizers NAME[:LR[/LR...]],... --out DIR [options]",
            "  examples/run optimizers        list the optimizer names",
            "  examples/run help",
            "",
            "Models: cnn = the reference CNN (conv16-pool-conv32-pool-dense128-softmax10) on Fashion-MNIST, judged",
            "by test accuracy; transformer = a character-level decoder-only transformer (dModel 64, 4 heads,",
            "2 blocks) on the Debian fortunes text, judged by validation bits per character (bpc).",
            "",
            "Options:",
            "  --optimizer NAME      optimizer of a single run (default muon)",
            "  --optimizers LIST     comma-separated optimizers to compare (default muon,adam); NAME:LR sets",
            "                        that optimizer's learning rate, NAME:LR1/LR2/LR3 sweeps these rates",
            "  --lr-sweep M1,M2,...  compare: try each optimizer at these multiples of its learning rate (its",
            "                        default, --lr or NAME:LR), e.g. 0.5,1,2; NAME:LR1/LR2 lists are kept as",
            "                        given. Best rate per optimizer: the one reaching the target in the fewest",
            "                        iterations (ties: better final metric); without a target or if none",
            "                        reaches it, the best final metric. Diverged candidates are skipped",
            "  --seeds S1,S2,...     compare: repeat each optimizer at its best rate with these seeds and",
            "                        report the median time to target and its spread; the sweep uses S1",
            "  --baseline NAME       compare: optimizer the ratios are relative to (default adam if listed,",
            "                        else the first)",
            "  --epochs N            training epochs (default 1)",
            "  --max-steps N         stop after N iterations (default 0 = run all epochs)",
            "  --batch B             minibatch size (default 128 for cnn, 32 windows for transformer)",
            "  --train-limit K       cnn: use only the first K training examples (default 0 = all 60000)",
            "  --test-limit K        cnn: the first K test examples (default 0 = all 10000); transformer: about",
            "                        K validation characters (whole batches of 64 windows; default 0 = all)",
            "  --seed S              weight-init and shuffle seed (default 42)",
            "  --lr X                learning rate (default: the optimizer's own; with compare it applies to",
            "                        every optimizer without a NAME:LR)",
            "  --weight-decay X      decoupled weight decay (W <- W - lr*X*W); Adam becomes AdamW (default none;",
            "                        adamw: 0.01)",
            "  --eval-every N        also evaluate on the test set every N iterations within an epoch",
            "                        (default 200, 0 = only at the end of each epoch); this is the resolution",
            "                        of the time to target",
            "  --target-accuracy X   report the training seconds and iterations until the first evaluation",
            "                        with test accuracy >= X (a fraction, e.g. 0.88); compare adds the columns",
            "                        and each optimizer's time ratio to the baseline (default none)",
            "  --target-bpc X        transformer: as --target-accuracy for validation bits per character <= X",
            "  --stop-at-target      end a run at the first evaluation that reaches the target (saves time in",
            "                        sweeps; the final metric is then the one at the target)",
            "  --data-dir DIR        cnn: Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist);",
            "                        transformer: fortune files (default /usr/share/games/fortunes)",
            "  --text-file FILE      transformer: train on this text instead (its last 10% is the validation text)",
            "  --seq-len N           transformer: context window in characters (default 64)",
            "  --out DIR             output directory (required)",
            "",
            "Outputs: DIR/summary.json, curves.csv, evals.csv, curves.png for a run; for compare, one such",
            "directory per run (DIR/NAME/, or DIR/NAME/lrLR-seedS/ when an optimizer has several runs) plus",
            "DIR/report.html (self-contained), comparison.csv, comparison.md, comparison.png and sweep.csv.");

    private static final Set<String> VALUE_OPTIONS = Set.of("--optimizer", "--optimizers", "--epochs", "--batch",
            "--train-limit", "--test-limit", "--seed", "--lr", "--weight-decay", "--eval-every", "--target-accuracy",
            "--data-dir", "--out", "--lr-sweep", "--seeds", "--baseline", "--max-steps", "--target-bpc", "--text-file",
            "--seq-len");
    private static final Set<String> FLAG_OPTIONS = Set.of("--stop-at-target");
    private static final List<String> MODELS = List.of("cnn", "transformer");
    private static final Set<String> CNN_ONLY = Set.of("--target-accuracy", "--train-limit");
    private static final Set<String> TRANSFORMER_ONLY = Set.of("--target-bpc", "--text-file", "--seq-len");

    public Command command = Command.HELP;
    public String model = "cnn";
    public List<OptimizerPlan> optimizers = new ArrayList<>();
    public int epochs = 1;
    public int maxSteps = 0;
    public int batch = 128;
    /** Transformer context window ({@code --seq-len}). */
    public int seqLen = 64;
    /** Transformer text ({@code --text-file}), or null for the fortunes. */
    public Path textFile;
    public int trainLimit = 0;
    public int testLimit = 0;
    /** The seeds of the runs; the first is the sweep's (and a single run's) seed. */
    public List<Long> seeds = List.of(42L);
    public Double learningRate;
    /** Multipliers of {@code --lr-sweep}, or null. */
    public List<Double> lrSweep;
    public Double weightDecay;
    public int evalEvery = 200;
    /** Target of the model's metric ({@code --target-accuracy} / {@code --target-bpc}), or null (no target). */
    public Double target;
    public boolean stopAtTarget;
    /** Label of the {@code --baseline} optimizer (resolved: adam if listed, else the first). */
    public String baseline;
    public Path dataDir;
    public Path out;

    /**
     * Parses the arguments of {@code examples/run} (options as {@code --name value} or {@code --name=value}).
     *
     * @throws CliException with a message fit for the user
     */
    public static Options parse(String... args) {
        Options o = new Options();
        List<String> positional = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> flags = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                o.command = Command.HELP;
                return o;
            }
            if (a.startsWith("--")) {
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (FLAG_OPTIONS.contains(name)) {
                    if (value != null) {
                        throw CliException.usage("Option " + name + " takes no value.");
                    }
                    if (!flags.add(name)) {
                        throw CliException.usage("Option " + name + " given twice.");
                    }
                    continue;
                }
                if (!VALUE_OPTIONS.contains(name)) {
                    throw CliException.usage("Unknown option " + name + ".");
                }
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw CliException.usage("Option " + name + " needs a value.");
                    }
                    value = args[++i];
                }
                if (values.put(name, value) != null) {
                    throw CliException.usage("Option " + name + " given twice.");
                }
            } else {
                positional.add(a);
            }
        }

        if (positional.isEmpty()) {
            if (!values.isEmpty() || !flags.isEmpty()) {
                throw CliException.usage("Missing command: " + String.join(", ", MODELS) + " or compare MODEL.");
            }
            o.command = Command.HELP;
            return o;
        }
        String cmd = positional.get(0).toLowerCase(Locale.ROOT);
        switch (cmd) {
            case "help" -> {
                o.command = Command.HELP;
                return o;
            }
            case "optimizers", "list" -> {
                o.command = Command.LIST;
                return o;
            }
            case "compare" -> {
                o.command = Command.COMPARE;
                if (positional.size() < 2) {
                    throw CliException.usage("compare needs a model: compare " + String.join(" | ", MODELS) + ".");
                }
                o.model = model(positional.get(1));
                extraPositional(positional, 2);
            }
            default -> {
                if (!MODELS.contains(cmd)) {
                    throw CliException.usage("Unknown command '" + positional.get(0) + "'. Commands: "
                            + String.join(", ", MODELS) + ", compare MODEL, optimizers, help.");
                }
                o.command = Command.RUN;
                o.model = cmd;
                extraPositional(positional, 1);
            }
        }

        Set<String> notForModel = o.model.equals("cnn") ? TRANSFORMER_ONLY : CNN_ONLY;
        for (String name : values.keySet()) {
            if (notForModel.contains(name)) {
                throw CliException.usage(name + " is not an option of the " + o.model + " model"
                        + (name.equals("--train-limit") ? " (use --max-steps)" : "") + ".");
            }
        }
        if (o.model.equals("transformer")) {
            o.batch = 32;
        }
        o.seqLen = intOpt(values, "--seq-len", o.seqLen, 1);
        if (values.containsKey("--text-file")) {
            o.textFile = Paths.get(values.get("--text-file"));
        }
        o.epochs = intOpt(values, "--epochs", o.epochs, 1);
        o.maxSteps = intOpt(values, "--max-steps", o.maxSteps, 0);
        o.batch = intOpt(values, "--batch", o.batch, 1);
        o.trainLimit = intOpt(values, "--train-limit", o.trainLimit, 0);
        o.testLimit = intOpt(values, "--test-limit", o.testLimit, 0);
        o.evalEvery = intOpt(values, "--eval-every", o.evalEvery, 0);
        if (values.containsKey("--seed") && values.containsKey("--seeds")) {
            throw CliException.usage("Give either --seed S or --seeds S1,S2,..., not both.");
        }
        if (values.containsKey("--seed")) {
            o.seeds = List.of(parseLong("--seed", values.get("--seed")));
        }
        if (values.containsKey("--seeds")) {
            List<Long> seeds = new ArrayList<>();
            for (String part : values.get("--seeds").split(",")) {
                long seed = parseLong("--seeds", part);
                if (seeds.contains(seed)) {
                    throw CliException.usage("--seeds lists seed " + seed + " twice.");
                }
                seeds.add(seed);
            }
            o.seeds = List.copyOf(seeds);
        }
        o.learningRate = positiveDouble(values, "--lr");
        if (values.containsKey("--lr-sweep")) {
            List<Double> m = new ArrayList<>();
            for (String part : values.get("--lr-sweep").split(",")) {
                double v = parseDouble("--lr-sweep", part);
                if (!(v > 0) || Double.isInfinite(v)) {
                    throw CliException.usage("--lr-sweep multipliers must be > 0, got '" + part.trim() + "'.");
                }
                m.add(v);
            }
            o.lrSweep = List.copyOf(m);
        }
        if (values.containsKey("--weight-decay")) {
            double wd = parseDouble("--weight-decay", values.get("--weight-decay"));
            if (!(wd >= 0) || Double.isInfinite(wd)) {
                throw CliException.usage("--weight-decay must be >= 0, got " + values.get("--weight-decay") + ".");
            }
            o.weightDecay = wd;
        }
        if (values.containsKey("--target-accuracy")) {
            double t = parseDouble("--target-accuracy", values.get("--target-accuracy"));
            if (!(t > 0 && t <= 1)) {
                throw CliException.usage("--target-accuracy is a fraction in (0, 1], e.g. 0.88; got "
                        + values.get("--target-accuracy") + ".");
            }
            o.target = t;
        }
        if (values.containsKey("--target-bpc")) {
            double t = parseDouble("--target-bpc", values.get("--target-bpc"));
            if (!(t > 0) || Double.isInfinite(t)) {
                throw CliException.usage("--target-bpc is bits per character > 0, e.g. 2.5; got "
                        + values.get("--target-bpc") + ".");
            }
            o.target = t;
        }
        o.stopAtTarget = flags.contains("--stop-at-target");
        if (o.stopAtTarget && o.target == null) {
            throw CliException.usage("--stop-at-target needs a target (--target-accuracy or --target-bpc).");
        }
        if (values.containsKey("--data-dir")) {
            o.dataDir = Paths.get(values.get("--data-dir"));
        }
        if (!values.containsKey("--out")) {
            throw CliException.usage("Missing --out DIR (where results are written).");
        }
        o.out = Paths.get(values.get("--out"));

        if (o.command == Command.RUN) {
            for (String compareOnly : List.of("--optimizers", "--lr-sweep", "--seeds", "--baseline")) {
                if (values.containsKey(compareOnly)) {
                    throw CliException.usage(compareOnly + " is for 'compare " + o.model
                            + "'; a single run takes --optimizer NAME, --lr X and --seed S.");
                }
            }
            o.optimizers.add(plan(values.getOrDefault("--optimizer", "muon"), o.learningRate, null, false));
        } else {
            if (values.containsKey("--optimizer")) {
                throw CliException.usage("compare takes --optimizers NAME,NAME,... (plural).");
            }
            String list = values.getOrDefault("--optimizers", "muon,adam");
            for (String spec : list.split(",")) {
                if (!spec.isBlank()) {
                    o.optimizers.add(plan(spec.trim(), o.learningRate, o.lrSweep, true));
                }
            }
            if (o.optimizers.isEmpty()) {
                throw CliException.usage("--optimizers lists no optimizer.");
            }
            o.optimizers = labelled(o.optimizers);
            List<String> labels = o.optimizers.stream().map(OptimizerPlan::label).toList();
            if (values.containsKey("--baseline")) {
                String b = values.get("--baseline").trim().toLowerCase(Locale.ROOT);
                if (!labels.contains(b)) {
                    throw CliException.usage("--baseline " + b + " is not among the compared optimizers ("
                            + String.join(", ", labels) + ").");
                }
                o.baseline = b;
            } else {
                o.baseline = labels.contains("adam") ? "adam" : labels.get(0);
            }
        }
        return o;
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

    private static void extraPositional(List<String> positional, int expected) {
        if (positional.size() > expected) {
            throw CliException.usage("Unexpected argument '" + positional.get(expected) + "'.");
        }
    }

    private static int intOpt(Map<String, String> values, String name, int def, int min) {
        if (!values.containsKey(name)) {
            return def;
        }
        long v = parseLong(name, values.get(name));
        if (v < min || v > Integer.MAX_VALUE) {
            throw CliException.usage(name + " must be an integer >= " + min + ", got " + values.get(name) + ".");
        }
        return (int) v;
    }

    private static Double positiveDouble(Map<String, String> values, String name) {
        if (!values.containsKey(name)) {
            return null;
        }
        double v = parseDouble(name, values.get(name));
        if (!(v > 0) || Double.isInfinite(v)) {
            throw CliException.usage(name + " must be > 0, got " + values.get(name) + ".");
        }
        return v;
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
