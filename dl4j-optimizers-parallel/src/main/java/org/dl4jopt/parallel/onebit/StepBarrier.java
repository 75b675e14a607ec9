package org.dl4jopt.parallel.onebit;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A reusable barrier for the worker threads of one exchange that never hangs: {@link #await} fails after a timeout, and
 * once any party {@link #fail}s, every waiting and every later caller throws with that reason. The number of parties
 * may change between rounds ({@link #parties(int)}, while nobody waits).
 */
final class StepBarrier {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition tripped = lock.newCondition();
    private final long timeoutNanos;
    private int parties;
    private int waiting;
    private long generation;
    private String failure;

    StepBarrier(int parties, long timeoutMillis) {
        this.parties = parties;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    void parties(int n) {
        lock.lock();
        try {
            if (waiting != 0) throw new IllegalStateException("Cannot change the parties while " + waiting + " wait");
            parties = n;
        } finally {
            lock.unlock();
        }
    }

    int parties() {
        return parties;
    }

    /** Waits until all parties arrived; {@code what} names the step in the timeout message. */
    void await(String what) {
        lock.lock();
        try {
            throwIfFailed();
            long gen = generation;
            if (++waiting == parties) {
                waiting = 0;
                generation++;
                tripped.signalAll();
                return;
            }
            long left = timeoutNanos;
            while (gen == generation && failure == null) {
                if (left <= 0) {
                    fail("timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms in " + what + ": "
                            + waiting + " of " + parties + " workers arrived (a worker died, stalled or never joined; "
                            + "with ParallelWrapper initialise the model's updater before building it, see "
                            + "OneBitAllReduceAccumulator.wrap)");
                    break;
                }
                try {
                    left = tripped.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail("interrupted in " + what);
                }
            }
            if (gen == generation) throwIfFailed();
        } finally {
            lock.unlock();
        }
    }

    /** Aborts the exchange for every party: waiters and later callers throw with {@code reason}. */
    void fail(String reason) {
        lock.lock();
        try {
            if (failure == null) failure = reason;
            tripped.signalAll();
        } finally {
            lock.unlock();
        }
    }

    String failure() {
        return failure;
    }

    private void throwIfFailed() {
        if (failure != null) throw new IllegalStateException("1-bit exchange aborted: " + failure);
    }
}
