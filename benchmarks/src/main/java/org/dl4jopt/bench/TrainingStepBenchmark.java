package org.dl4jopt.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dl4jopt.testmodels.SyntheticData;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The reference CNN ({@code TestModels.cnn}, 206,922 parameters) at batch {@value #BATCH} on synthetic 28×28 images,
 * per optimizer ({@link BenchOptimizers}, DL4J's Adam the baseline): {@link #iteration} is one whole training
 * iteration ({@code MultiLayerNetwork.fit}: forward, backward, update); {@link #updateStep} the update step alone,
 * {@code getUpdater().update(...)} over every updater block on a fixed gradient (restored before each call, not
 * timed), without forward or backward.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainingStepBenchmark {
    static final int BATCH = 64;

    @Param({"adam", "muon", "dropmuon", "fismo", "lanton", "onebit-adam", "am-sgd", "am-adamw", "sgd"})
    public String optimizer;

    private MultiLayerNetwork net;
    private List<DataSet> data;
    private int next;
    private Gradient gradient;
    private INDArray savedGradient;
    private int updates;

    @Setup(Level.Trial)
    public void setUp() {
        data = SyntheticData.images(BATCH * 8, 3).batchBy(BATCH);
        net = BenchOptimizers.cnn(optimizer);
        for (int i = 0; i < 10; i++) { // creates the updater state and leaves the first steps' transients behind
            net.fit(data.get(i % data.size()));
        }
        DataSet ds = data.get(0);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        gradient = net.gradient();
        savedGradient = net.getFlattenedGradients().dup();
    }

    @Benchmark
    public double iteration() {
        net.fit(data.get(next++ % data.size()));
        Nd4j.getExecutioner().commit();
        return net.score();
    }

    /** The same gradient before each update (the updater turns it into the update in place). */
    @Setup(Level.Invocation)
    public void restoreGradient() {
        net.getFlattenedGradients().assign(savedGradient);
        Nd4j.getExecutioner().commit();
    }

    @Benchmark
    public INDArray updateStep() {
        net.getUpdater().update(net, gradient, 10 + updates++, 0, BATCH, LayerWorkspaceMgr.noWorkspaces());
        Nd4j.getExecutioner().commit();
        return net.getFlattenedGradients();
    }
}
