package org.dl4jopt.muon;

/**
 * Muon: MomentUm Orthogonalized by Newton-Schulz (K. Jordan et al., 2024, github.com/KellerJordan/Muon; spec
 * {@code muon-dropmuon.md} section 1). For each hidden weight matrix {@code W} with gradient {@code G}:
 * <pre>
 *   M = beta*M + (1-beta)*G
 *   U = nesterov ? (1-beta)*G + beta*M : M          (conv kernels as [nOut, nIn*kH*kW])
 *   W = W*(1 - lr*wd) - lr * s(W) * NS_k(U)
 * </pre>
 * Biases, norm parameters, embeddings, the output head and the first convolution get the AdamW fallback
 * ({@code MuonWithAuxAdam}). Needs {@link org.dl4jopt.Optimizers#prepare} on the built configuration.
 *
 * <pre>{@code .updater(Muon.builder().learningRate(0.02).weightDecay(0.01).build())}</pre>
 */
public class Muon extends AbstractMuon {
    private static final long serialVersionUID = 1L;

    /** Muon with every default (lr 0.02). */
    public Muon() {}

    /** Muon with the given learning rate and every other default. */
    public Muon(double learningRate) {
        this.learningRate = learningRate;
        validate();
    }

    protected Muon(Muon o) {
        super(o);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "Muon";
    }

    @Override
    protected MuonUpdater newUpdater() {
        return new MuonUpdater(this);
    }

    @Override
    public Muon clone() {
        return new Muon(this);
    }

    /** Builder with Keller Jordan's defaults: lr 0.02, momentum 0.95, Nesterov, 5 Jordan NS steps, eps 1e-7. */
    public static class Builder extends Base<Builder, Muon> {
        public Builder() {
            super(new Muon());
        }

        public Muon build() {
            return fill(new Muon(proto));
        }
    }
}
