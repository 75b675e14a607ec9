package org.dl4jopt.examples;

import java.util.NoSuchElementException;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** The first {@code maxBatches} batches of an iterator, on every pass ({@code --test-limit} for the transformer). */
final class LimitedIterator extends ForwardingIterator {
    private static final long serialVersionUID = 1L;

    private final int maxBatches;
    private int served;

    LimitedIterator(DataSetIterator delegate, int maxBatches) {
        super(delegate);
        if (maxBatches < 1) {
            throw new IllegalArgumentException("maxBatches must be >= 1, got " + maxBatches);
        }
        this.maxBatches = maxBatches;
    }

    @Override
    public boolean hasNext() {
        return served < maxBatches && delegate.hasNext();
    }

    @Override
    public DataSet next() {
        checkedNext();
        return delegate.next();
    }

    @Override
    public DataSet next(int num) {
        checkedNext();
        return delegate.next(num);
    }

    private void checkedNext() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more batches; call reset()");
        }
        served++;
    }

    @Override
    public void reset() {
        super.reset();
        served = 0;
    }
}
