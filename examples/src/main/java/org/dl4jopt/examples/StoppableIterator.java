package org.dl4jopt.examples;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/**
 * A training iterator that ends the current epoch early once {@link #stop()} was called: how a run stops at the step
 * limit, at the target ({@code --stop-at-target}) or on divergence while inside {@code fit(DataSetIterator)}, without
 * throwing through DL4J. No asynchronous prefetch, so that no batch is drawn after the stop.
 */
final class StoppableIterator implements DataSetIterator {
    private final DataSetIterator delegate;
    private volatile boolean stopped;

    StoppableIterator(DataSetIterator delegate) {
        this.delegate = delegate;
    }

    void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    @Override
    public boolean hasNext() {
        return !stopped && delegate.hasNext();
    }

    @Override
    public DataSet next() {
        return delegate.next();
    }

    @Override
    public DataSet next(int num) {
        return delegate.next(num);
    }

    @Override
    public int inputColumns() {
        return delegate.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return delegate.totalOutcomes();
    }

    @Override
    public boolean resetSupported() {
        return delegate.resetSupported();
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        delegate.reset();
    }

    @Override
    public int batch() {
        return delegate.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        delegate.setPreProcessor(preProcessor);
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return delegate.getPreProcessor();
    }

    @Override
    public List<String> getLabels() {
        return delegate.getLabels();
    }
}
