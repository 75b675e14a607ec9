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

    public static final String USAGE = String.join("\n",
            "Usage:",
            "  examples/run cnn --optimizer NAME --epochs N --out DIR [options]",
            "  examples/run compare cnn --optimizers NAME[:LR],NAME[:LR],... --epochs N --out DIR [options]",
            "  examples/run optimizers        list the optimizer names",
            "  examples/run help",
            "",
            "Trains the reference CNN (conv16-pool-conv32-pool-dense128-softmax10) on Fashion-MNIST.",
            "",
            "Options:",
            "  --optimizer NAME      optimizer of a single run (default muon)",
            "  --optimizers LIST     comma-separated optimizers to compare (default muon,adam); NAME:LR sets",
            "                        that optimizer's learning rate",
            "  --epochs N            training epochs (default 1)",
            "  --batch B             minibatch size (default 128)",
            "  --train-limit K       use only the first K training examples (default 0 = all 60000)",
            "  --test-limit K        use only the first K test examples (default 0 = all 10000)",
            "  --seed S              weight-init and shuffle seed (default 42)",
            "  --lr X                learning rate (default: the optimizer's own; with compare it applies to",
            "                        every optimizer without a NAME:LR)",
            "  --weight-decay X      decoupled weight decay (W <- W - lr*X*W); Adam becomes AdamW (default none)",
            "  --eval-every N        also evaluate on the test set every N iterations within an epoch",
            "                        (default 200, 0 = only at the end of each epoch); this is the resolution",
            "                        of the time to --target-accuracy",
            "  --target-accuracy X   report the training seconds and iterations until the first evaluation",
            "                        with test accuracy >= X (a fraction, e.g. 0.88); compare adds the columns",
            "                        and each optimizer's time ratio to the first one (default none)",
            "  --data-dir DIR        Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)",
            "  --out DIR             output directory (required)",
            "",
            "Outputs: DIR/summary.json, curves.csv, evals.csv, curves.png for a run; for compare, one such",
            "directory per optimizer plus DIR/comparison.csv, comparison.md and comparison.png.");

    private static final Set<String> VALUE_OPTIONS = Set.of("--optimizer", "--optimizers", "--epochs", "--batch",
            "--train-limit", "--test-limit", "--seed", "--lr", "--weight-decay", "--eval-every", "--target-accuracy",
            "--data-dir", "--out");
    private static final List<String> MODELS = List.of("cnn");

    public Command command = Command.HELP;
    public String model = "cnn";
    public List<OptimizerChoice> optimizers = new ArrayList<>();
    public int epochs = 1;
    public int batch = 128;
    public int trainLimit = 0;
    public int testLimit = 0;
    public long seed = 42;
    public Double learningRate;
    public Double weightDecay;
    public int evalEvery = 200;
    /** Test accuracy whose first attainment is timed, or null (no target). */
    public Double targetAccuracy;
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
            if (!values.isEmpty()) {
                throw CliException.usage("Missing command: cnn or compare cnn.");
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
                    throw CliException.usage("compare needs a model: compare cnn.");
                }
                o.model = model(positional.get(1));
                extraPositional(positional, 2);
            }
            default -> {
                if (!MODELS.contains(cmd)) {
                    throw CliException.usage("Unknown command '" + positional.get(0)
                            + "'. Commands: cnn, compare cnn, optimizers, help.");
                }
                o.command = Command.RUN;
                o.model = cmd;
                extraPositional(positional, 1);
            }
        }

        o.epochs = intOpt(values, "--epochs", o.epochs, 1);
        o.batch = intOpt(values, "--batch", o.batch, 1);
        o.trainLimit = intOpt(values, "--train-limit", o.trainLimit, 0);
        o.testLimit = intOpt(values, "--test-limit", o.testLimit, 0);
        o.evalEvery = intOpt(values, "--eval-every", o.evalEvery, 0);
        if (values.containsKey("--seed")) {
            o.seed = parseLong("--seed", values.get("--seed"));
        }
        o.learningRate = positiveDouble(values, "--lr");
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
            o.targetAccuracy = t;
        }
        if (values.containsKey("--data-dir")) {
            o.dataDir = Paths.get(values.get("--data-dir"));
        }
        if (!values.containsKey("--out")) {
            throw CliException.usage("Missing --out DIR (where results are written).");
        }
        o.out = Paths.get(values.get("--out"));

        if (o.command == Command.RUN) {
            if (values.containsKey("--optimizers")) {
                throw CliException.usage("--optimizers is for 'compare cnn'; a single run takes --optimizer NAME.");
            }
            o.optimizers.add(choice(values.getOrDefault("--optimizer", "muon"), o.learningRate, false));
        } else {
            if (values.containsKey("--optimizer")) {
                throw CliException.usage("compare takes --optimizers NAME,NAME,... (plural).");
            }
            String list = values.getOrDefault("--optimizers", "muon,adam");
            Set<String> labels = new HashSet<>();
            for (String spec : list.split(",")) {
                if (spec.isBlank()) {
                    continue;
                }
                o.optimizers.add(choice(spec.trim(), o.learningRate, true));
            }
            if (o.optimizers.isEmpty()) {
                throw CliException.usage("--optimizers lists no optimizer.");
            }
            // the same optimizer twice (e.g. with two learning rates): label runs by name and rate
            Map<String, Integer> count = new LinkedHashMap<>();
            o.optimizers.forEach(c -> count.merge(c.entry().name(), 1, Integer::sum));
            List<OptimizerChoice> labelled = new ArrayList<>();
            for (OptimizerChoice c : o.optimizers) {
                String label = count.get(c.entry().name()) > 1
                        ? c.entry().name() + "-lr" + Reports.shortNum(c.learningRate()) : c.entry().name();
                if (!labels.add(label)) {
                    throw CliException.usage("Optimizer " + label + " is listed twice.");
                }
                labelled.add(new OptimizerChoice(c.entry(), c.learningRate(), label));
            }
            o.optimizers = labelled;
        }
        return o;
    }

    private static OptimizerChoice choice(String spec, Double globalLr, boolean allowInlineLr) {
        String name = spec;
        Double lr = globalLr;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            if (!allowInlineLr) {
                throw CliException.usage("Use --lr to set the learning rate of a single run, not NAME:LR.");
            }
            name = spec.substring(0, colon);
            double v = parseDouble("learning rate of " + name, spec.substring(colon + 1));
            if (!(v > 0) || Double.isInfinite(v)) {
                throw CliException.usage("The learning rate of " + name + " must be > 0, got "
                        + spec.substring(colon + 1) + ".");
            }
            lr = v;
        }
        OptimizerRegistry.Entry e = OptimizerRegistry.get(name);
        double used = lr != null ? lr : e.defaultLearningRate();
        return new OptimizerChoice(e, used, e.name());
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
