package org.dl4jopt.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of BENCHMARKS.md in one JMH run (one fork per benchmark and parameter, {@code SampleTime}
 * mode) and prints the side-by-side ratios of medians: Newton-Schulz vs raw gemm per shape, and per optimizer one
 * training iteration and the update step alone vs DL4J's Adam. Writes {@code OUT/jmh-result.json} (JMH's JSON) and
 * {@code OUT/benchmarks.md} (the tables).
 *
 * <p>Usage: {@code benchmarks/run [--quick] [OUT_DIR]} (default {@code runs/benchmarks}); {@code --quick}: one short
 * warm-up and two short measurement iterations per benchmark, a smoke test of the setup, not figures to quote.
 */
public final class RunBenchmarks {
    private RunBenchmarks() {}

    public static void main(String[] args) throws RunnerException, IOException {
        boolean quick = Arrays.asList(args).contains("--quick");
        Path out = Paths.get(
                Arrays.stream(args).filter(a -> !a.startsWith("--")).findFirst().orElse("runs/benchmarks"));
        Files.createDirectories(out);
        Path json = out.resolve("jmh-result.json");
        int warmups = quick ? 1 : 3;
        int measurements = quick ? 2 : 5;
        TimeValue time = TimeValue.seconds(quick ? 1 : 2);
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .include(NewtonSchulzBenchmark.class.getSimpleName())
                .include(TrainingStepBenchmark.class.getSimpleName())
                .forks(1)
                .warmupIterations(warmups)
                .warmupTime(time)
                .measurementIterations(measurements)
                .measurementTime(time)
                .jvmArgsAppend(
                        "-Xmx4g",
                        "-Dorg.bytedeco.javacpp.maxbytes=6G",
                        "-Dorg.bytedeco.javacpp.maxphysicalbytes=10G",
                        "-Djava.awt.headless=true")
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString());
        long start = System.nanoTime();
        Collection<RunResult> results = new Runner(opts.build()).run();
        double minutes = (System.nanoTime() - start) / 60e9;

        String md = report(results, quick, warmups, measurements, time, minutes);
        Files.writeString(out.resolve("benchmarks.md"), md, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(md);
        System.out.println();
        System.out.println("Wrote " + json + " and " + out.resolve("benchmarks.md"));
    }

    /** Median (ms) per benchmark method and parameter value: method -> parameter -> median. */
    static Map<String, Map<String, Double>> medians(Collection<RunResult> results) {
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            String method = bench.substring(bench.lastIndexOf('.') + 1);
            String param = r.getParams().getParamsKeys().isEmpty()
                    ? ""
                    : r.getParams()
                            .getParam(r.getParams().getParamsKeys().iterator().next());
            m.computeIfAbsent(method, k -> new LinkedHashMap<>())
                    .put(param, r.getPrimaryResult().getStatistics().getPercentile(50));
        }
        return m;
    }

    static String report(
            Collection<RunResult> results, boolean quick, int warmups, int measurements, TimeValue time, double min) {
        Map<String, Map<String, Double>> m = medians(results);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT,
                "JMH %s, 1 fork per benchmark and parameter, %d warm-up + %d measurement iterations of %s, mode"
                        + " SampleTime, medians in ms; %d cores, java %s, ND4J backend %s; %.1f minutes%s.%n%n",
                org.openjdk.jmh.util.Utils.class.getPackage().getImplementationVersion() == null
                        ? ""
                        : org.openjdk.jmh.util.Utils.class.getPackage().getImplementationVersion(),
                warmups,
                measurements,
                time,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                Nd4j.getBackend().getClass().getSimpleName(),
                min,
                quick ? " (--quick: a smoke test, not figures to quote)" : ""));

        Map<String, Double> ns = m.getOrDefault("newtonSchulz", Map.of());
        Map<String, Double> gemm = m.getOrDefault("gemm", Map.of());
        if (!ns.isEmpty()) {
            sb.append("Newton-Schulz (Jordan, ")
                    .append(NewtonSchulzBenchmark.STEPS)
                    .append(" steps, fp32) vs the same GEMMs through `Nd4j.gemm`; ratio = gemm time / NS time.\n\n");
            List<List<String>> rows = new ArrayList<>();
            for (String shape : ns.keySet()) {
                String[] s = shape.split("x");
                double r = Math.min(Double.parseDouble(s[0]), Double.parseDouble(s[1]));
                double c = Math.max(Double.parseDouble(s[0]), Double.parseDouble(s[1]));
                double gflop = NewtonSchulzBenchmark.STEPS * (4 * r * r * c + 2 * r * r * r) / 1e9;
                Double g = gemm.get(shape);
                rows.add(List.of(
                        shape.replace("x", "×"),
                        fmt(ns.get(shape), 2),
                        g == null ? "" : fmt(g, 2),
                        fmt(gflop / (ns.get(shape) / 1e3), 1),
                        g == null ? "" : fmt(gflop / (g / 1e3), 1),
                        g == null ? "" : fmt(g / ns.get(shape), 2)));
            }
            table(sb, List.of("shape", "NS ms", "gemm ms", "NS GFLOP/s", "gemm GFLOP/s", "ratio"), rows);
        }

        Map<String, Double> it = m.getOrDefault("iteration", Map.of());
        Map<String, Double> up = m.getOrDefault("updateStep", Map.of());
        if (!it.isEmpty() || !up.isEmpty()) {
            sb.append("\nReference CNN, batch ")
                    .append(TrainingStepBenchmark.BATCH)
                    .append(": one training iteration (`fit`) and the update step alone (`getUpdater().update`"
                            + " on a fixed gradient); ratios to DL4J Adam.\n\n");
            Double itBase = it.get(BenchOptimizers.BASELINE);
            Double upBase = up.get(BenchOptimizers.BASELINE);
            List<List<String>> rows = new ArrayList<>();
            for (String opt : it.isEmpty() ? up.keySet() : it.keySet()) {
                Double i = it.get(opt);
                Double u = up.get(opt);
                rows.add(List.of(
                        opt,
                        i == null ? "" : fmt(i, 2),
                        ratio(i, itBase),
                        u == null ? "" : fmt(u, 3),
                        ratio(u, upBase),
                        String.format(Locale.ROOT, "%,d", stateBytes(opt))));
            }
            table(
                    sb,
                    List.of("optimizer", "iteration ms", "vs Adam", "update step ms", "vs Adam", "state bytes"),
                    rows);
        }
        return sb.toString();
    }

    private static long stateBytes(String optimizer) {
        return BenchOptimizers.stateBytes(BenchOptimizers.cnn(optimizer));
    }

    private static String ratio(Double v, Double base) {
        return v == null || base == null ? "" : fmt(v / base, 3);
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static void table(StringBuilder sb, List<String> header, List<List<String>> rows) {
        sb.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.size(); i++) {
            sb.append(i == 0 ? " --- |" : " ---: |");
        }
        sb.append('\n');
        rows.forEach(r -> sb.append("| ").append(String.join(" | ", r)).append(" |\n"));
    }
}
