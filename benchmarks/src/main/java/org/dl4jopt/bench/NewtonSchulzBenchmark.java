package org.dl4jopt.bench;

import java.util.concurrent.TimeUnit;
import org.dl4jopt.muon.NewtonSchulz;
import org.dl4jopt.muon.NsCoefficients;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * Newton-Schulz (Jordan coefficients, {@value #STEPS} steps, fp32) vs the same GEMMs issued raw through ND4J: per
 * step {@code A = X Xᵀ}, {@code B = A A}, {@code Y = B X} on an r×c matrix (r = min side, c = max side), i.e.
 * {@code k(4r²c + 2r³)} flops for both. The ratio gemm time / NS time (1.0 = NS costs nothing beyond its GEMMs) is
 * printed by {@link RunBenchmarks}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NewtonSchulzBenchmark {
    static final int STEPS = 5;

    /** The five shapes of BENCHMARKS.md (rows x columns of the gradient). */
    @Param({"256x256", "512x512", "1024x1024", "1024x4096", "800x32"})
    public String shape;

    private NewtonSchulz ns;
    private INDArray gradient;
    private INDArray work;
    private INDArray x;
    private INDArray y;
    private INDArray a;
    private INDArray b;

    @Setup(Level.Trial)
    public void setUp() {
        String[] sides = shape.split("x");
        long rows = Long.parseLong(sides[0]);
        long cols = Long.parseLong(sides[1]);
        long r = Math.min(rows, cols);
        long c = Math.max(rows, cols);
        Nd4j.getRandom().setSeed(1);
        ns = new NewtonSchulz(NsCoefficients.JORDAN, STEPS, 1e-7);
        gradient = Nd4j.randn(DataType.FLOAT, rows, cols);
        work = gradient.dup();
        x = Nd4j.randn(DataType.FLOAT, 'f', r, c).muli(0.01);
        y = Nd4j.createUninitialized(DataType.FLOAT, new long[] {r, c}, 'f');
        a = Nd4j.createUninitialized(DataType.FLOAT, new long[] {r, r}, 'f');
        b = Nd4j.createUninitialized(DataType.FLOAT, new long[] {r, r}, 'f');
    }

    /** A fresh gradient before each call (not timed), as in training. */
    @Setup(Level.Invocation)
    public void freshGradient() {
        work.assign(gradient);
        Nd4j.getExecutioner().commit();
    }

    @Benchmark
    public INDArray newtonSchulz() {
        ns.orthogonalizeInPlace(work, 1.0);
        Nd4j.getExecutioner().commit();
        return work;
    }

    @Benchmark
    public INDArray gemm() {
        for (int j = 0; j < STEPS; j++) {
            Nd4j.gemm(x, x, a, false, true, 1.0, 0.0);
            Nd4j.gemm(a, a, b, false, false, 1.0, 0.0);
            Nd4j.gemm(b, x, y, false, false, 1.0, 0.0);
        }
        Nd4j.getExecutioner().commit();
        return y;
    }
}
