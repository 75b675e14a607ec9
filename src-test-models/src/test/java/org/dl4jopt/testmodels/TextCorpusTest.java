package org.dl4jopt.testmodels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

class TextCorpusTest {

    @Test
    void cleaningKeepsPrintableAsciiAndResolvesOverstrikes() {
        // "_\bA" (underlined A) and "B\bB" (bold B) keep the character typed last; BEL and non-ASCII are dropped
        assertEquals("AB x\ny\tz\n", TextCorpus.clean("_\bAB\bB x\r\ny\u0007\tz\r\u00e9"));
    }

    @Test
    void ofSplitsTheTailAndBuildsASortedVocabularyOverBothParts() {
        TextCorpus c = TextCorpus.of("abcabcabcz", 0.25); // ceil(2.5) = 3 validation chars
        assertEquals("abcabca", c.trainText());
        assertEquals("bcz", c.validationText());
        assertEquals("abcz", c.vocabulary()); // 'z' only in validation: still in the vocabulary
        assertArrayEquals(new int[] {1, 2, 3}, c.encode("bcz"));
        assertEquals("cab", c.decode(new int[] {2, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> c.encode("q"));
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.of("abc", 0));
    }

    @Test
    void fortunesParsesSeparatorsSkipsIndexesAndLinksAndSendsEveryTenthFortuneToValidation(@TempDir Path dir)
            throws IOException {
        StringBuilder a = new StringBuilder();
        for (int k = 0; k < 12; k++) a.append("fortune a").append(k).append("\n\tline two\n%\n");
        Files.writeString(dir.resolve("alpha"), a.toString(), StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < 8; k++) b.append("fortune b").append(k).append("\n\n%\n");
        Files.writeString(dir.resolve("beta"), b.toString(), StandardCharsets.UTF_8);
        Files.write(dir.resolve("alpha.dat"), new byte[] {0, 1, 2, (byte) 0xff});
        Files.createSymbolicLink(dir.resolve("alpha.u8"), dir.resolve("alpha"));

        TextCorpus c = TextCorpus.fortunes(dir);
        // 20 fortunes in file order alpha (0..11), beta (12..19); validation = fortunes 9 and 19
        assertEquals("fortune a9\n\tline two\n\nfortune b7", c.validationText());
        List<String> train = List.of(c.trainText().split("\n\n"));
        assertEquals(18, train.stream().filter(s -> s.startsWith("fortune")).count());
        assertTrue(c.trainText().startsWith("fortune a0\n\tline two\n\nfortune a1\n"));
        assertTrue(c.trainText().endsWith("fortune b6"));
        assertFalse(c.trainText().contains("%"));
        assertEquals("\t\n ", c.vocabulary().substring(0, 3));
    }

    @Test
    void missingFortunesDirectoryNamesThePackage(@TempDir Path dir) {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> TextCorpus.fortunes(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("apt-get install -y fortunes"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> TextCorpus.fortunes(dir)); // empty directory
    }

    private static List<INDArray> drain(DataSetIterator it) {
        List<INDArray> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet d = it.next();
            out.add(d.getFeatures());
            out.add(d.getLabels());
        }
        return out;
    }

    @Test
    void trainIteratorIsDeterministicPerSeedAndEpochAndLabelsAreTheNextCharacter() {
        TextCorpus c = TextCorpus.of(TextCorpus.sampleText(), 0.1);
        int batch = 4;
        int seqLen = 16;
        int perEpoch = c.batchesPerEpoch(batch, seqLen);
        assertEquals(c.trainText().length() / (batch * seqLen), perEpoch);

        DataSetIterator it = c.trainIterator(batch, seqLen, 7);
        List<INDArray> epoch0 = drain(it);
        assertEquals(2 * perEpoch, epoch0.size());
        it.reset();
        List<INDArray> epoch1 = drain(it);
        assertNotEquals(epoch0.get(0), epoch1.get(0), "a new epoch draws new windows");

        DataSetIterator again = c.trainIterator(batch, seqLen, 7);
        assertEquals(epoch0, drain(again));
        again.reset();
        assertEquals(epoch1, drain(again));
        assertNotEquals(epoch0.get(0), drain(c.trainIterator(batch, seqLen, 8)).get(0));

        INDArray f = epoch0.get(0);
        INDArray l = epoch0.get(1);
        assertArrayEquals(new long[] {batch, seqLen}, f.shape());
        assertArrayEquals(new long[] {batch, c.vocabSize(), seqLen}, l.shape());
        String train = c.trainText();
        for (int b = 0; b < batch; b++) {
            int[] ids = new int[seqLen];
            int[] next = new int[seqLen];
            for (int t = 0; t < seqLen; t++) {
                ids[t] = f.getInt(b, t);
                next[t] = l.get(
                                org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.point(t))
                        .argMax()
                        .getInt(0);
                assertEquals(
                        1.0,
                        l.get(
                                        org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                                        org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                        org.nd4j.linalg.indexing.NDArrayIndex.point(t))
                                .sumNumber()
                                .doubleValue(),
                        0.0);
            }
            String window = c.decode(ids);
            int start = train.indexOf(window + c.decode(new int[] {next[seqLen - 1]}));
            assertTrue(start >= 0, "window is a substring of the training text");
            assertEquals(train.substring(start + 1, start + 1 + seqLen), c.decode(next));
        }
    }

    @Test
    void validationIteratorWalksFixedConsecutiveWindows() {
        TextCorpus c = TextCorpus.of(TextCorpus.sampleText(), 0.1);
        int seqLen = 32;
        int windows = (c.validationText().length() - 1) / seqLen;
        DataSetIterator it = c.validationIterator(5, seqLen);
        List<INDArray> first = drain(it);
        int seen = 0;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < first.size(); i += 2) {
            INDArray f = first.get(i);
            seen += (int) f.size(0);
            for (int b = 0; b < f.size(0); b++) {
                int[] ids = new int[seqLen];
                for (int t = 0; t < seqLen; t++) ids[t] = f.getInt(b, t);
                text.append(c.decode(ids));
            }
        }
        assertEquals(windows, seen);
        assertEquals(c.validationText().substring(0, windows * seqLen), text.toString());
        it.reset();
        assertEquals(first, drain(it));
        assertEquals(first, drain(c.validationIterator(5, seqLen)));
        assertThrows(
                IllegalArgumentException.class,
                () -> c.validationIterator(5, c.validationText().length()));
    }
}
