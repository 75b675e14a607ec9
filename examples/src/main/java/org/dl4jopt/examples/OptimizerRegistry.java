package org.dl4jopt.examples;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.am.AmBetas;
import org.dl4jopt.am.BetaGranularity;
import org.dl4jopt.core.ShapeAwareUpdater;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.dropmuon.DropMuonBackprop;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.lanton.LantonRates;
import org.dl4jopt.muon.AbstractMuon;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.muon.ShapeScale;
import org.dl4jopt.onebit.OneBitAdam;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * The optimizers the examples know, by command-line name. Adding an optimizer is one {@code register(...)} line in the
 * static block. An optimizer that needs training listeners on the network (Drop-Muon's backward truncation, LANTON's
 * and AM's inspection listeners) says so in its entry; {@link CnnRun} installs them.
 */
public final class OptimizerRegistry {

    /**
     * Builds a fresh updater configuration. {@code weightDecay} is 0 unless {@code --weight-decay} was given;
     * {@code seed} is the run's {@code --seed}, for optimizers with their own random draws.
     */
    @FunctionalInterface
    public interface UpdaterFactory {
        IUpdater create(double learningRate, double weightDecay, long seed, Extras secondary);
    }

    /**
     * The settings besides the main rate ({@code --adam-lr}, {@code --sign-lr}, {@code --damping}); null: the
     * optimizer's default. {@code adam}: the AdamW fallback rate of the Muon family (embeddings, output head, first
     * convolution, biases); {@code sign}: LANTON's Signum rate (embedding, head, first convolution); {@code damping}:
     * FISMO's relative damping.
     */
    public record Extras(Double adam, Double sign, Double damping) {
        public static final Extras DEFAULTS = new Extras(null, null, null);

        /** {@code b} with the AdamW fallback rate set when one was given. */
        <B extends ShapeAwareUpdater.RoutedBuilder<B>> B applyAdam(B b) {
            return adam == null ? b : b.adamLearningRate(adam);
        }

        /**
         * The Muon family's common settings on {@code b}: the main rate, the decoupled weight decay of the matrices
         * and of the AdamW fallback, and the fallback rate when one was given.
         */
        <B extends ShapeAwareUpdater.RoutedBuilder<B>> B family(B b, double lr, double wd) {
            return applyAdam(b).learningRate(lr).weightDecay(wd).adamWeightDecay(wd);
        }

        /** {@code b} with FISMO's damping set when one was given. */
        Fismo.Builder applyFismo(Fismo.Builder b) {
            return damping == null ? b : b.damping(damping);
        }

        /** Which of them are set, as the option names, for error messages and file labels. */
        public List<String> given() {
            List<String> g = new ArrayList<>();
            if (adam != null) g.add(ADAM_LR);
            if (sign != null) g.add(SIGN_LR);
            if (damping != null) g.add(DAMPING);
            return g;
        }
    }

    /** Where the decoupled weight decay of {@code --weight-decay} is applied. */
    public enum WeightDecayMode {
        /** The updater applies it itself (our shape-aware optimizers: {@code W <- W(1 - lr*wd)}). */
        IN_UPDATER,
        /**
         * DL4J's {@link WeightDecay} regularization (applyLR = true, so {@code W <- W - lr*wd*W} after the updater
         * step) on every layer's weights, not biases: with Adam this is AdamW.
         */
        DL4J_REGULARIZATION
    }

    /**
     * One registered name. {@code listeners} supplies the training listeners the optimizer needs on the network besides the run's own
     * (fresh instances per network); most optimizers need none.
     */
    public record Entry(
            String name,
            double defaultLearningRate,
            String description,
            UpdaterFactory factory,
            WeightDecayMode weightDecayMode,
            Supplier<List<TrainingListener>> listeners,
            Double defaultWeightDecay,
            Set<String> extras) {

        /** The weight decay a run uses: {@code --weight-decay} if given, else the entry's default (null: none). */
        public Double effectiveWeightDecay(Double requested) {
            return requested != null ? requested : defaultWeightDecay;
        }

        /**
         * A fresh updater with the given learning rate (null: the default), weight decay (null: none) and seed (used
         * only by optimizers that draw random numbers).
         */
        public IUpdater create(Double learningRate, Double weightDecay, long seed, Extras secondary) {
            double lr = learningRate != null ? learningRate : defaultLearningRate;
            double wd = weightDecay != null ? weightDecay : 0.0;
            return factory.create(lr, weightDecayMode == WeightDecayMode.IN_UPDATER ? wd : 0.0, seed, secondary);
        }

        /** The part of {@code requested} this optimizer takes (a rate it has no use for is left at null). */
        public Extras applicable(Extras requested) {
            return new Extras(
                    extras.contains(ADAM_LR) ? requested.adam() : null,
                    extras.contains(SIGN_LR) ? requested.sign() : null,
                    extras.contains(DAMPING) ? requested.damping() : null);
        }

        /** Fresh instances of the listeners this optimizer needs on the network (empty for most). */
        public List<TrainingListener> trainingListeners() {
            return listeners == null ? List.of() : List.copyOf(listeners.get());
        }
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    /** The options of {@link Extras}. */
    public static final String ADAM_LR = "--adam-lr";

    public static final String SIGN_LR = "--sign-lr";

    public static final String DAMPING = "--damping";

    /** Default decoupled weight decay of the {@code adamw} baseline (PyTorch's {@code AdamW} default). */
    public static final double ADAMW_WEIGHT_DECAY = 0.01;

    static {
        register(
                "muon",
                Muon.DEFAULT_LEARNING_RATE,
                "Muon: orthogonalised (Newton-Schulz) momentum for hidden conv/dense weights; AdamW (lr "
                        + new Muon().fallback().learningRate()
                        + ") for the first conv, the output layer and biases",
                (lr, wd, seed, more) -> more.family(Muon.builder(), lr, wd).build(),
                WeightDecayMode.IN_UPDATER);
        register(
                "adam",
                1e-3,
                "DL4J Adam (beta1 0.9, beta2 0.999, eps 1e-8); with --weight-decay it is AdamW "
                        + "(DL4J decoupled WeightDecay)",
                (lr, wd, seed, more) -> new Adam(lr),
                WeightDecayMode.DL4J_REGULARIZATION);
        register(
                "adamw",
                1e-3,
                "DL4J Adam + decoupled weight decay 0.01 (DL4J WeightDecay, applyLR=true: W <- W - lr*0.01*W after "
                        + "the Adam step, weights only, not biases; PyTorch's AdamW default); --weight-decay overrides",
                (lr, wd, seed, more) -> new Adam(lr),
                WeightDecayMode.DL4J_REGULARIZATION,
                null,
                ADAMW_WEIGHT_DECAY);
        register(
                "sgd",
                0.05,
                "DL4J Nesterovs: SGD with Nesterov momentum 0.9",
                (lr, wd, seed, more) -> new Nesterovs(lr, 0.9),
                WeightDecayMode.DL4J_REGULARIZATION);
        register(
                "dropmuon",
                DropMuon.DEFAULT_LEARNING_RATE,
                "Drop-Muon: Muon that each iteration updates only the layers from a random cutoff (uniform, "
                        + "seeded by --seed) to the output; the backward pass stops at the cutoff (DropMuonBackprop)",
                (lr, wd, seed, more) ->
                        more.family(DropMuon.builder(), lr, wd).seed(seed).build(),
                WeightDecayMode.IN_UPDATER,
                () -> List.of(new DropMuonBackprop()));

        register(
                "fismo",
                Fismo.DEFAULT_LEARNING_RATE,
                "FISMO at the library's defaults: Muon's step in a Kronecker-factored Fisher trust region "
                        + "(P^-1/2 NS(M) Q^-1/2, factors from the gradients, relative damping 0.01); sides above 1024 "
                        + "keep the identity factor; AdamW fallback (lr "
                        + new Fismo().fallback().learningRate()
                        + ") for the same parameters as Muon's",
                (lr, wd, seed, more) ->
                        more.family(more.applyFismo(Fismo.builder()), lr, wd).build(),
                WeightDecayMode.IN_UPDATER);
        register(
                "fismo-paper",
                0.01,
                "FISMO with the spec's starting values (damping 1e-3, lr half of Muon's, no grafting): whitening "
                        + "amplifies weak directions up to 1000x; diverged on the transformer, Xception's loss rose",
                (lr, wd, seed, more) -> more.family(
                                more.applyFismo(Fismo.builder().damping(1e-3)), lr, wd)
                        .graft(false)
                        .build(),
                WeightDecayMode.IN_UPDATER);
        register(
                "fismo-graft",
                Muon.DEFAULT_LEARNING_RATE,
                "FISMO with norm grafting (graft(true): each step rescaled to the Frobenius norm of Muon's step, "
                        + "hence Muon's rate; the spec's setting 'if unstable')",
                (lr, wd, seed, more) -> more.family(more.applyFismo(Fismo.builder()), lr, wd)
                        .graft(true)
                        .build(),
                WeightDecayMode.IN_UPDATER);
        register(
                "lanton",
                Lanton.DEFAULT_LEARNING_RATE,
                "LANTON: noise-adaptive layerwise rates over Muon (Moonlight scale); Signum for the first conv "
                        + "and the head; rates logged every 100 iterations (LantonRates)",
                (lr, wd, seed, more) -> {
                    Lanton.Builder b = more.family(Lanton.builder(), lr, wd);
                    return (more.sign() == null ? b : b.signLearningRate(more.sign())).build();
                },
                WeightDecayMode.IN_UPDATER,
                () -> List.of(new LantonRates(100)));
        register(
                "dmuon",
                Lanton.DEFAULT_LEARNING_RATE,
                "D-Muon: Muon with the Moonlight scale 0.2*sqrt(max(m, n)) (Nesterov on), LANTON's default base at "
                        + "LANTON's rate and fallback rate ("
                        + new Lanton().fallback().learningRate()
                        + "): LANTON without its noise-adaptive rate factors, for "
                        + "LANTON's ablation",
                (lr, wd, seed, more) -> more.family(
                                Muon.builder()
                                        .adamLearningRate(
                                                new Lanton().fallback().learningRate()),
                                lr,
                                wd)
                        .shapeScale(ShapeScale.MOONLIGHT)
                        .build(),
                WeightDecayMode.IN_UPDATER);
        register(
                "onebit-adam",
                OneBitAdam.DEFAULT_LEARNING_RATE,
                "1-bit Adam with one worker (DeepSpeed semantics: no compression): bias-corrected Adam for 100 "
                        + "iterations, then the variance frozen (library defaults otherwise: momentum mask 0.01)",
                (lr, wd, seed, more) -> OneBitAdam.builder()
                        .learningRate(lr)
                        .weightDecay(wd)
                        .freezeStep(100)
                        .build(),
                WeightDecayMode.IN_UPDATER);
        register(
                "am-sgd",
                AdaptiveMemorySgd.DEFAULT_LEARNING_RATE,
                "AM-SGD: momentum with one network-wide adaptive memory beta per step (lambda 0.1, beta <= 0.9; "
                        + "per tensor with --weight-decay, whose coupled L2 a global beta cannot include); EMA-form "
                        + "direction (lr 0.5 matches sgd's 0.05 step in the steady state; its first steps are 10x larger, "
                        + "see README \"Defaults and the zoo\"); betas logged every 100 iterations (AmBetas)",
                (lr, wd, seed, more) -> AdaptiveMemorySgd.builder()
                        .learningRate(lr)
                        .granularity(wd > 0 ? BetaGranularity.PER_TENSOR : BetaGranularity.GLOBAL)
                        .weightDecay(wd)
                        .build(),
                WeightDecayMode.IN_UPDATER,
                () -> List.of(new AmBetas(100)));
        register(
                "am-adamw",
                AdaptiveMemoryAdamW.DEFAULT_LEARNING_RATE,
                "AM-AdamW: AdamW whose first-moment beta adapts per tensor (lambda 0.1, beta <= 0.89); betas logged "
                        + "every 100 iterations (AmBetas)",
                (lr, wd, seed, more) -> AdaptiveMemoryAdamW.builder()
                        .learningRate(lr)
                        .weightDecay(wd)
                        .build(),
                WeightDecayMode.IN_UPDATER,
                () -> List.of(new AmBetas(100)));
    }

    private OptimizerRegistry() {}

    private static void register(
            String name,
            double defaultLr,
            String description,
            UpdaterFactory factory,
            WeightDecayMode weightDecayMode) {
        register(name, defaultLr, description, factory, weightDecayMode, null, null);
    }

    /** As above, for an optimizer that needs {@code listeners} on the network (fresh instances per call). */
    private static void register(
            String name,
            double defaultLr,
            String description,
            UpdaterFactory factory,
            WeightDecayMode weightDecayMode,
            Supplier<List<TrainingListener>> listeners) {
        register(name, defaultLr, description, factory, weightDecayMode, listeners, null);
    }

    /** As above, with a default weight decay used when {@code --weight-decay} is not given. */
    private static void register(
            String name,
            double defaultLr,
            String description,
            UpdaterFactory factory,
            WeightDecayMode weightDecayMode,
            Supplier<List<TrainingListener>> listeners,
            Double defaultWeightDecay) {
        Set<String> secondary = extrasOf(factory.create(defaultLr, 0, 0, Extras.DEFAULTS));
        ENTRIES.put(
                name,
                new Entry(
                        name,
                        defaultLr,
                        description,
                        factory,
                        weightDecayMode,
                        listeners,
                        defaultWeightDecay,
                        secondary));
    }

    /**
     * The {@link Extras} options an updater has a use for, from its type: the Muon family (Muon, Drop-Muon, FISMO,
     * LANTON) has the AdamW fallback, LANTON the Signum rate, FISMO the damping.
     */
    private static Set<String> extrasOf(IUpdater u) {
        Set<String> e = new TreeSet<>();
        if (u instanceof AbstractMuon || u instanceof Fismo || u instanceof Lanton) e.add(ADAM_LR);
        if (u instanceof Lanton) e.add(SIGN_LR);
        if (u instanceof Fismo) e.add(DAMPING);
        return Set.copyOf(e);
    }

    /** The entries that accept {@code option} ({@code --adam-lr}, {@code --sign-lr}, {@code --damping}). */
    public static List<String> accepting(String option) {
        return ENTRIES.values().stream()
                .filter(e -> e.extras().contains(option))
                .map(Entry::name)
                .collect(Collectors.toList());
    }

    /** All entries, in registration order. */
    public static List<Entry> entries() {
        return Collections.unmodifiableList(new ArrayList<>(ENTRIES.values()));
    }

    public static List<String> names() {
        return ENTRIES.values().stream().map(Entry::name).collect(Collectors.toList());
    }

    /**
     * The entry for {@code name} (case-insensitive).
     *
     * @throws CliException for an unknown name (listing the known ones)
     */
    public static Entry get(String name) {
        Entry e = ENTRIES.get(name.trim().toLowerCase(Locale.ROOT));
        if (e == null) {
            throw CliException.plain(
                    "Unknown optimizer '" + name + "'. Known optimizers: " + String.join(", ", names()) + ".");
        }
        return e;
    }

    /**
     * For {@link WeightDecayMode#DL4J_REGULARIZATION}: adds DL4J's decoupled {@code WeightDecay(wd, applyLR=true)} to
     * the weights (not the biases) of every layer of {@code conf}. Call before constructing the network.
     */
    public static void addDl4jWeightDecay(MultiLayerConfiguration conf, double weightDecay) {
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            if (layerConf.getLayer() instanceof BaseLayer layer) {
                List<Regularization> regs = layer.getRegularization() == null
                        ? new ArrayList<>()
                        : new ArrayList<>(layer.getRegularization());
                regs.add(new WeightDecay(weightDecay, true));
                layer.setRegularization(regs);
            }
        }
    }
}
