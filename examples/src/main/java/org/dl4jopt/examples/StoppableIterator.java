package org.dl4jopt.examples;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A training iterator that ends the current epoch early once {@link #stop()} was called: how a run stops at the step
 * limit, at the target ({@code --stop-at-target}) or on divergence while inside {@code fit(DataSetIterator)}, without
 * throwing through DL4J. No asynchronous prefetch, so that no batch is drawn after the stop.
 */
final class StoppableIterator extends ForwardingIterator {
    private static final long serialVersionUID = 1L;

    private volatile boolean stopped;

    StoppableIterator(DataSetIterator delegate) {
        super(delegate);
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
}
