package org.dl4jopt.muon;

import java.util.List;
import org.dl4jopt.core.ShapeAwareGradientUpdater;
import org.dl4jopt.layout.ParamLayout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/** The update rule of {@link Muon} (and Drop-Muon's active layers); state per matrix: the momentum buffer {@code M} (same layout as the gradient). */
public class MuonUpdater extends ShapeAwareGradientUpdater<AbstractMuon> {
    private final NewtonSchulz ns;
    private final double[] scales;

    public MuonUpdater(AbstractMuon config) {
        super(config);
        this.ns = new NewtonSchulz(config.nsCoefficients(), config.nsSteps(), config.nsEpsilon());
        List<ParamLayout> params = layout.params();
        scales = new double[params.size()];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = config.shapeScale().factor(params.get(i), config.flattenedConvScale());
        }
    }

    @Override
    protected void applyMatrixRule(
            int index, ParamLayout p, INDArray g, INDArray state, double lr, int iteration, int epoch) {
        INDArray m = stateViews(index, state, s -> config.matrixState(p).view(s, "M"));
        double beta = config.momentum();
        m.muli(beta);
        Nd4j.exec(new Axpy(g, m, m, 1 - beta)); // M = beta*M + (1-beta)*G
        if (config.nesterov()) {
            g.muli(1 - beta);
            Nd4j.exec(new Axpy(m, g, g, beta)); // U = (1-beta)*G + beta*M, in the gradient's place
        } else {
            g.assign(m);
        }
        ns.orthogonalizeInPlace(matrixView(index, p, g), lr * scales[index]);
    }

    /** The Newton-Schulz kernel of this updater (for benchmarks and memory reports). */
    public NewtonSchulz newtonSchulz() {
        return ns;
    }
}
