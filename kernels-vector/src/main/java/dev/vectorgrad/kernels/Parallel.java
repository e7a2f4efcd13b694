package dev.vectorgrad.kernels;

import dev.vectorgrad.tensor.Scope;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The library's worker threads: splits a range of work across {@link #threads()} threads. Persistent daemon
 * workers, no allocation per call, no ForkJoin; nested calls from inside a task and calls that are too small run
 * inline on the caller. The caller runs the first part, then claims any part no worker has started yet, so a
 * worker that is parked or descheduled (a busy machine) delays the call by at most the part it is running, not
 * by its wake-up; parts have fixed boundaries whichever thread runs them, so results do not depend on timing.
 * Configure with {@code -Dvectorgrad.threads=N} or {@link #setThreads(int)}; the default is the number of
 * available processors.
 */
public final class Parallel {
    /** A task over the index range [lo, hi). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int lo, int hi);
    }

    private static volatile int threads = initialThreads();
    private static Worker[] workers = new Worker[0];
    private static final Object LOCK = new Object();
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    // Current job, published to workers through the volatile generation counter.
    private static RangeTask job;
    private static int jobN, jobParts;
    private static final AtomicInteger pending = new AtomicInteger();
    /** (job sequence << 32) | next unclaimed part: a claim succeeds only for the job it was read for. */
    private static final AtomicLong ticket = new AtomicLong();
    private static volatile long generation;
    private static volatile Throwable failure;

    private Parallel() {}

    private static int initialThreads() {
        String p = System.getProperty("vectorgrad.threads", System.getenv("VECTORGRAD_THREADS"));
        int cpus = Runtime.getRuntime().availableProcessors();
        if (p == null || p.isBlank()) return cpus;
        try {
            return Math.max(1, Integer.parseInt(p.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("vectorgrad.threads must be a positive integer, got '" + p + "'");
        }
    }

    public static int threads() { return threads; }

    /** Sets the number of threads kernels may use (1 = run everything on the caller). */
    public static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        threads = n;
    }

    /**
     * Whether {@link #forRange} would split [0, n) with this grain on this thread (false: it would run the task
     * inline). Lets a caller skip building a capturing lambda, an allocation, when the work runs inline anyway.
     */
    public static boolean wouldSplit(int n, int grain) {
        return parts(threads, n, grain) > 1 && !INSIDE.get();
    }

    /** Parts forRange cuts [0, n) into with t threads: at most t, each of at least grain indices. */
    private static int parts(int t, int n, int grain) {
        return Math.min(t, Math.max(1, n / Math.max(1, grain)));
    }

    /**
     * Whether {@link #forRange}(n, grain, ..) would split the range over threads (else it runs the task inline):
     * a kernel calls its loop directly when not, without building a task object.
     */
    public static boolean splits(int n, int grain) {
        return parts(threads, n, grain) > 1 && !INSIDE.get();
    }

    /**
     * Runs task over [0, n) split into at most {@link #threads()} contiguous parts of at least {@code grain}
     * indices each. Blocks until all parts finish; rethrows the first failure.
     */
    public static void forRange(int n, int grain, RangeTask task) {
        int t = threads;
        int parts = parts(t, n, grain);
        if (parts <= 1 || INSIDE.get()) {
            task.run(0, n);
            return;
        }
        synchronized (LOCK) {
            ensureWorkers(parts - 1);
            // Seqlock: an odd generation means the job fields are being written; workers wait for even.
            generation++;
            job = task;
            jobN = n;
            jobParts = parts;
            failure = null;
            pending.set(parts - 1);
            long seq = (generation + 1) >>> 1;
            ticket.set(seq << 32 | 1);
            generation++;
            for (int i = 0; i < parts - 1; i++) LockSupport.unpark(workers[i]);
            INSIDE.set(Boolean.TRUE);
            try {
                try {
                    task.run(0, split(n, parts, 1));
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                }
                // Parts no worker has claimed yet: run them here rather than wait for a worker to wake up.
                int p;
                while ((p = claim(seq, parts)) > 0) runPart(task, n, parts, p);
            } finally {
                INSIDE.set(Boolean.FALSE);
            }
            int spins = 0;
            while (pending.get() > 0) {
                if (++spins < 10_000) Thread.onSpinWait();
                else Thread.yield();
            }
            job = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error er) throw er;
                throw new RuntimeException(f);
            }
        }
    }

    /** Claims the next part of job {@code seq}; -1 when all are claimed or that job is over. */
    private static int claim(long seq, int parts) {
        while (true) {
            long t = ticket.get();
            int p = (int) t;
            if (t >>> 32 != seq || p >= parts) return -1;
            if (ticket.compareAndSet(t, t + 1)) return p;
        }
    }

    /** Runs part p (skipped once a part has failed) and counts it done. */
    private static void runPart(RangeTask t, int n, int parts, int p) {
        try {
            if (failure == null) t.run(split(n, parts, p), split(n, parts, p + 1));
        } catch (Throwable e) {
            if (failure == null) failure = e;
        } finally {
            pending.decrementAndGet();
        }
    }

    /** End of part {@code p} (1-based) of n split into parts. */
    private static int split(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }

    private static void ensureWorkers(int needed) {
        if (workers.length >= needed) return;
        Worker[] w = java.util.Arrays.copyOf(workers, needed);
        for (int i = workers.length; i < needed; i++) {
            w[i] = new Worker(i + 1);
            w[i].start();
        }
        workers = w;
    }

    private static final class Worker extends Scope.KernelThread {
        Worker(int index) {
            super(null, "vectorgrad-worker-" + index);
        }

        @Override
        public void run() {
            long seen = 0;
            INSIDE.set(Boolean.TRUE);
            while (true) {
                int spins = 0;
                long g;
                while ((g = generation) == seen || (g & 1) != 0) {
                    if (++spins < 20_000) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                RangeTask t = job;
                int parts = jobParts, n = jobN;
                if (generation != g) continue; // a new job was being published: read it again
                seen = g;
                if (t != null) {
                    // Any unclaimed part of this job (normally one), until the caller has taken the rest.
                    long seq = g >>> 1;
                    int p;
                    while ((p = claim(seq, parts)) > 0) runPart(t, n, parts, p);
                }
            }
        }
    }
}
