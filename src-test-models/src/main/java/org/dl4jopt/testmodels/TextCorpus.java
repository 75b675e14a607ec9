package org.dl4jopt.testmodels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A character-level text corpus split into training and validation text, with the iterators the
 * {@link CharTransformer} trains on.
 *
 * <p><b>Cleaning</b> (both factories): the text is decoded as UTF-8 (malformed bytes become U+FFFD); CR LF and CR
 * become LF; an overstrike "c BACKSPACE" (old-style bold/underline) keeps only the character typed last; then every
 * character other than LF, TAB and printable ASCII (32..126) is dropped (in the fortunes corpus that removes a few
 * dozen bell characters and mis-encoded quotes).
 *
 * <p><b>Vocabulary</b>: the distinct characters of the whole cleaned corpus (training and validation text), sorted by
 * code point; index = position in that order. Building it over both splits means no validation character is ever
 * unknown; it reveals only which symbols occur, not their statistics.
 *
 * <p><b>Examples</b>: a window of {@code seqLen + 1} consecutive characters {@code c_0..c_T}; features are the indices
 * of {@code c_0..c_{T-1}} as a {@code [mb, seqLen]} float array (what DL4J's EmbeddingSequenceLayer takes), labels the
 * one-hot next characters {@code c_1..c_T} as {@code [mb, vocab, seqLen]} (NCW), no masks.
 */
public final class TextCorpus {
    /** Where the Debian package {@code fortunes} (and {@code fortunes-min}) installs its text files. */
    public static final Path DEFAULT_FORTUNES_DIR = Path.of("/usr/share/games/fortunes");
    /** Validation share used by {@link #fortunes(Path)}: every tenth fortune. */
    public static final double FORTUNES_VALIDATION_FRACTION = 0.1;
    /** Classpath resource of {@link #sample()}. */
    static final String SAMPLE_RESOURCE = "/org/dl4jopt/testmodels/sample-text.txt";

    private final String trainText;
    private final String validationText;
    private final char[] vocab;
    private final int[] index = new int[128]; // char -> vocab index, -1 if absent (cleaned text is ASCII)
    private final int[] trainIds;
    private final int[] validationIds;

    private TextCorpus(String trainText, String validationText) {
        this.trainText = trainText;
        this.validationText = validationText;
        boolean[] seen = new boolean[128];
        for (int i = 0; i < trainText.length(); i++) seen[trainText.charAt(i)] = true;
        for (int i = 0; i < validationText.length(); i++) seen[validationText.charAt(i)] = true;
        Arrays.fill(index, -1);
        StringBuilder v = new StringBuilder();
        for (int c = 0; c < 128; c++) {
            if (seen[c]) {
                index[c] = v.length();
                v.append((char) c);
            }
        }
        this.vocab = v.toString().toCharArray();
        if (vocab.length < 2) throw new IllegalArgumentException("the text has fewer than two distinct characters");
        this.trainIds = encode(trainText);
        this.validationIds = encode(validationText);
    }

    // ---------------------------------------------------------------------------------------------------- factories

    /**
     * The fortunes corpus: every regular file directly in {@code dir} that is not a symbolic link (the {@code .u8}
     * names are links to the same files) and does not end in {@code .dat} (binary indexes), read in file-name order.
     * Each file is a list of fortunes separated by lines holding only {@code %}; after cleaning, trailing newlines of
     * each fortune are removed, empty fortunes skipped, and the fortunes joined by one blank line ({@code "\n\n"}), in
     * file order. Split: fortune k (0-based over the whole list) goes to validation iff
     * {@code floor((k+1) f) > floor(k f)} with {@code f} = {@link #FORTUNES_VALIDATION_FRACTION}, i.e. every tenth
     * fortune, so both splits sample every file.
     *
     * @throws IllegalStateException if the directory is missing or holds no fortune file (install the Debian package
     *                               {@code fortunes})
     */
    public static TextCorpus fortunes(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("No fortunes corpus at " + dir + ": install the Debian package 'fortunes' "
                    + "(sudo apt-get install -y fortunes), which puts its text files in " + DEFAULT_FORTUNES_DIR);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !p.getFileName().toString().endsWith(".dat"))
                    .sorted(java.util.Comparator.comparing(p -> p.getFileName().toString()))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<String> fortunes = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = clean(new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
            StringBuilder cur = new StringBuilder();
            for (String line : text.split("\n", -1)) {
                if (line.equals("%")) {
                    addFortune(fortunes, cur);
                    cur.setLength(0);
                } else {
                    cur.append(line).append('\n');
                }
            }
            addFortune(fortunes, cur);
        }
        if (fortunes.isEmpty()) {
            throw new IllegalStateException("No fortune text in " + dir + ": install the Debian package 'fortunes' "
                    + "(sudo apt-get install -y fortunes)");
        }
        StringBuilder train = new StringBuilder();
        StringBuilder val = new StringBuilder();
        double f = FORTUNES_VALIDATION_FRACTION;
        for (int k = 0; k < fortunes.size(); k++) {
            StringBuilder to = Math.floor((k + 1) * f) > Math.floor(k * f) ? val : train;
            if (to.length() > 0) to.append("\n\n");
            to.append(fortunes.get(k));
        }
        return new TextCorpus(train.toString(), val.toString());
    }

    private static void addFortune(List<String> out, StringBuilder fortune) {
        int end = fortune.length();
        while (end > 0 && fortune.charAt(end - 1) == '\n') end--;
        if (end > 0) out.add(fortune.substring(0, end));
    }

    /**
     * A corpus from any text: cleaned as described in the class comment, then the last
     * {@code ceil(validationFraction * length)} characters are the validation text and the rest the training text.
     *
     * @param validationFraction in (0, 1)
     */
    public static TextCorpus of(String text, double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in (0, 1), got " + validationFraction);
        }
        String c = clean(text);
        int nVal = (int) Math.ceil(validationFraction * c.length());
        return new TextCorpus(c.substring(0, c.length() - nVal), c.substring(c.length() - nVal));
    }

    /**
     * A small English text shipped with this module (about 8 KB of public-domain prose: the United States Declaration of
     * Independence), for tests that must not depend on an installed package.
     */
    public static String sampleText() {
        try (InputStream in = TextCorpus.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            if (in == null) throw new IllegalStateException("resource " + SAMPLE_RESOURCE + " missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cleaning rule of the class comment. */
    static String clean(String raw) {
        String s = raw.replace("\r\n", "\n").replace('\r', '\n');
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\b') {
                if (out.length() > 0) out.setLength(out.length() - 1); // overstrike: the next char replaces it
            } else if (c == '\n' || c == '\t' || (c >= 32 && c <= 126)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------------- accessors

    public int vocabSize() {
        return vocab.length;
    }

    /** The vocabulary in index order. */
    public String vocabulary() {
        return new String(vocab);
    }

    public String trainText() {
        return trainText;
    }

    public String validationText() {
        return validationText;
    }

    /** Vocabulary indices of {@code text}; fails on a character outside the vocabulary. */
    public int[] encode(String text) {
        int[] out = new int[text.length()];
        for (int i = 0; i < out.length; i++) {
            char c = text.charAt(i);
            int id = c < 128 ? index[c] : -1;
            if (id < 0) throw new IllegalArgumentException("character " + (int) c + " is not in the vocabulary");
            out[i] = id;
        }
        return out;
    }

    public String decode(int[] ids) {
        StringBuilder b = new StringBuilder(ids.length);
        for (int id : ids) b.append(vocab[id]);
        return b.toString();
    }

    /** Batches per training epoch: {@code max(1, floor(trainChars / (batch * seqLen)))}, about one pass over the text. */
    public int batchesPerEpoch(int batch, int seqLen) {
        return (int) Math.max(1, (long) trainIds.length / ((long) batch * seqLen));
    }

    // ---------------------------------------------------------------------------------------------------- iterators

    /**
     * Training batches of {@code batch} random windows: each window's start is uniform over every position where
     * {@code seqLen + 1} characters fit. One epoch is {@link #batchesPerEpoch} batches; epoch {@code e} draws from a
     * generator seeded by {@code (seed, e)} only, so the same seed gives the same batches, epoch by epoch. The epoch
     * advances on {@code reset()} after at least one batch was drawn.
     */
    public DataSetIterator trainIterator(int batch, int seqLen, long seed) {
        checkWindow(trainIds, batch, seqLen, "training");
        return new WindowIterator(trainIds, batch, seqLen, vocab.length, batchesPerEpoch(batch, seqLen), seed);
    }

    /**
     * Validation batches over fixed windows starting at {@code 0, seqLen, 2 seqLen, ...} (every validation character
     * after the first is predicted exactly once, except the tail that does not fill a window), in order, the last
     * batch possibly smaller; identical on every call and every reset.
     */
    public DataSetIterator validationIterator(int batch, int seqLen) {
        checkWindow(validationIds, batch, seqLen, "validation");
        return new WindowIterator(validationIds, batch, seqLen, vocab.length, -1, 0L);
    }

    private static void checkWindow(int[] ids, int batch, int seqLen, String what) {
        if (batch <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("batch and seqLen must be > 0, got " + batch + ", " + seqLen);
        }
        if (ids.length < seqLen + 1) {
            throw new IllegalArgumentException("the " + what + " text has " + ids.length + " characters, fewer than "
                    + "one window of seqLen + 1 = " + (seqLen + 1));
        }
    }

    /** Random windows (batchesPerEpoch > 0) or the fixed consecutive windows of the validation text (-1). */
    private static final class WindowIterator implements DataSetIterator {
        private static final long serialVersionUID = 1L;
        private final int[] ids;
        private final int batch;
        private final int seqLen;
        private final int vocab;
        private final int batchesPerEpoch;
        private final long seed;
        private final int numWindows;
        private int epoch;
        private int cursor; // batches (random) or windows (fixed) drawn in this epoch
        private SplittableRandom random;
        private DataSetPreProcessor preProcessor;

        WindowIterator(int[] ids, int batch, int seqLen, int vocab, int batchesPerEpoch, long seed) {
            this.ids = ids;
            this.batch = batch;
            this.seqLen = seqLen;
            this.vocab = vocab;
            this.batchesPerEpoch = batchesPerEpoch;
            this.seed = seed;
            this.numWindows = (ids.length - 1) / seqLen;
            startEpoch();
        }

        private boolean randomWindows() {
            return batchesPerEpoch > 0;
        }

        private void startEpoch() {
            cursor = 0;
            random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        }

        @Override
        public boolean hasNext() {
            return randomWindows() ? cursor < batchesPerEpoch : cursor < numWindows;
        }

        @Override
        public DataSet next() {
            return next(batch);
        }

        @Override
        public DataSet next(int num) {
            if (!hasNext()) throw new NoSuchElementException("no more batches; call reset()");
            int[] starts;
            if (randomWindows()) {
                starts = new int[num];
                for (int i = 0; i < num; i++) starts[i] = random.nextInt(ids.length - seqLen);
                cursor++;
            } else {
                int n = Math.min(num, numWindows - cursor);
                starts = new int[n];
                for (int i = 0; i < n; i++) starts[i] = (cursor + i) * seqLen;
                cursor += n;
            }
            DataSet ds = windows(starts);
            if (preProcessor != null) preProcessor.preProcess(ds);
            return ds;
        }

        private DataSet windows(int[] starts) {
            int mb = starts.length;
            float[] features = new float[mb * seqLen];
            float[] labels = new float[mb * vocab * seqLen];
            for (int b = 0; b < mb; b++) {
                for (int t = 0; t < seqLen; t++) {
                    features[b * seqLen + t] = ids[starts[b] + t];
                    labels[(b * vocab + ids[starts[b] + t + 1]) * seqLen + t] = 1f;
                }
            }
            return new DataSet(
                    Nd4j.create(features, new long[] {mb, seqLen}, 'c'),
                    Nd4j.create(labels, new long[] {mb, vocab, seqLen}, 'c'));
        }

        @Override
        public int inputColumns() {
            return seqLen;
        }

        @Override
        public int totalOutcomes() {
            return vocab;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            if (cursor > 0 && randomWindows()) epoch++;
            startEpoch();
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            this.preProcessor = preProcessor;
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return preProcessor;
        }

        @Override
        public List<String> getLabels() {
            return null;
        }
    }
}
