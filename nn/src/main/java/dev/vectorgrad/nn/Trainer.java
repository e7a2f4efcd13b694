package dev.vectorgrad.nn;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.nn.data.DataLoader;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The training loop: {@link #fit} runs epochs of forward, loss, backward and optimizer step, each step inside its
 * own {@link Scope} so it frees everything it allocated; it records a {@link History} of per-epoch loss and
 * metrics, and supports LR schedules, gradient clipping, gradient accumulation, early stopping and a callback.
 */
public final class Trainer {
    /** What the accuracy metric means. */
    public enum Task {
        /** No accuracy; loss only. */
        REGRESSION,
        /** One logit per sample; correct when (logit > 0) == (target > 0.5). */
        BINARY_LOGITS,
        /** One probability per sample (after a Sigmoid); correct when (p > 0.5) == (target > 0.5). */
        BINARY_PROBS,
        /** Logits [n, classes] against I32 labels; correct when argmax == label. */
        MULTICLASS
    }

    /** One epoch's figures; validation figures are NaN when there is no validation loader. */
    public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                             double lr, double seconds, double samplesPerSecond) {}

    /** Called after every epoch; return true to stop training. */
    @FunctionalInterface
    public interface Callback {
        boolean afterEpoch(EpochStats stats);
    }

    /** Loss and accuracy over a data set. */
    public record Evaluation(double loss, double accuracy, int samples) {}

    public static final class History {
        private final List<EpochStats> epochs = new ArrayList<>();

        public List<EpochStats> epochs() { return List.copyOf(epochs); }

        public EpochStats last() { return epochs.get(epochs.size() - 1); }

        public int size() { return epochs.size(); }
    }

    private final Module model;
    private final Losses.Loss loss;
    private final Optimizer opt;
    private final Task task;
    private LrSchedule schedule = LrSchedule.constant();
    private double clipNorm = 0, clipValue = 0;
    private int accumulate = 1;
    private int patience = 0;
    private Callback callback = s -> false;
    private boolean progress = false;
    private PrintStream log = null;

    public Trainer(Module model, Losses.Loss loss, Optimizer opt, Task task) {
        this.model = model;
        this.loss = loss;
        this.opt = opt;
        this.task = task;
        // Training never needs d loss / d input: the first layer skips that pass (a full backward-data
        // convolution for a CNN).
        model.setNeedsInputGrad(false);
    }

    public Trainer schedule(LrSchedule s) { schedule = s; return this; }

    public Trainer clipGradNorm(double max) { clipNorm = max; return this; }

    public Trainer clipGradValue(double max) { clipValue = max; return this; }

    /** Sums gradients over k batches (each scaled by 1/k) before one optimizer step. */
    public Trainer accumulate(int k) {
        if (k < 1) throw new IllegalArgumentException("accumulation steps must be >= 1, got " + k);
        accumulate = k;
        return this;
    }

    /** Stops when validation loss has not improved for this many epochs (0 = never). */
    public Trainer earlyStopping(int patience) { this.patience = patience; return this; }

    public Trainer callback(Callback c) { callback = c; return this; }

    /** Shows a progress bar (on stderr) during each epoch. */
    public Trainer progress(boolean on) { progress = on; return this; }

    /** Prints one line per epoch to this stream (null: quiet). */
    public Trainer log(PrintStream out) { log = out; return this; }

    public History fit(DataLoader train, DataLoader val, int epochs) {
        History h = new History();
        double base = opt.lr();
        double best = Double.POSITIVE_INFINITY;
        int sinceBest = 0;
        for (int e = 0; e < epochs; e++) {
            opt.setLr(schedule.lr(base, e));
            model.train();
            model.zeroGrad();
            long t0 = System.nanoTime();
            double lossSum = 0;
            long correct = 0;
            int seen = 0, pending = 0;
            ProgressBar pb = progress ? new ProgressBarBuilder().setTaskName("epoch " + (e + 1) + "/" + epochs)
                    .setInitialMax(train.batchCount()).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(250).build() : null;
            try {
                for (DataLoader.Batch b : train) {
                    long before = Scope.allocationCount();
                    Scope s = scopedSteps ? Scope.open() : null; // see step()
                    try {
                        Tensor out = model.forward(b.x());
                        Tensor grad = lossGrad(out);
                        double l = loss.compute(out, b.y(), grad);
                        if (!Double.isFinite(l)) throw new ArithmeticException("loss became " + l + " at epoch " + (e + 1) + " (learning rate too high?)");
                        if (accumulate > 1) Ops.binaryInto(dev.vectorgrad.kernels.BinaryOp.MUL, grad, 1.0 / accumulate, grad);
                        model.backward(grad);
                        lossSum += l * b.size();
                        correct += countCorrect(out, b.y());
                        seen += b.size();
                        if (++pending == accumulate) {
                            stepOptimizer();
                            pending = 0;
                        }
                    } finally {
                        if (s != null) s.close();
                    }
                    scopedSteps = Scope.allocationCount() != before;
                    if (pb != null) {
                        pb.step();
                        pb.setExtraMessage(String.format(" loss %.4f", lossSum / seen));
                    }
                }
                if (pending > 0) stepOptimizer();
            } finally {
                if (pb != null) pb.close();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Evaluation v = val == null ? new Evaluation(Double.NaN, Double.NaN, 0) : evaluate(val);
            EpochStats st = new EpochStats(e + 1, lossSum / Math.max(seen, 1), task == Task.REGRESSION ? Double.NaN : (double) correct / Math.max(seen, 1),
                    v.loss(), v.accuracy(), opt.lr(), secs, seen / secs);
            h.epochs.add(st);
            if (log != null) {
                log.printf("epoch %d/%d  train loss %.5f%s  val loss %.5f%s  %.0f samples/s%n", st.epoch(), epochs, st.trainLoss(),
                        Double.isNaN(st.trainAccuracy()) ? "" : String.format("  acc %.4f", st.trainAccuracy()), st.valLoss(),
                        Double.isNaN(st.valAccuracy()) ? "" : String.format("  val acc %.4f", st.valAccuracy()), st.samplesPerSecond());
            }
            if (callback.afterEpoch(st)) break;
            if (patience > 0 && val != null) {
                if (v.loss() < best) {
                    best = v.loss();
                    sinceBest = 0;
                } else if (++sinceBest >= patience) {
                    break;
                }
            }
        }
        opt.setLr(base);
        model.eval();
        return h;
    }

    /**
     * One training step on one batch, as {@link #fit} does it: forward in training mode, loss, backward,
     * gradient clipping if set, optimizer step, gradients zeroed. Returns the loss. This is the steady-state
     * path the training benchmark measures.
     */
    public double step(Tensor x, Tensor y) {
        if (!model.isTraining()) model.train();
        // A step runs in its own Scope (freeing whatever a layer allocated) until one step is seen to allocate
        // no tensor at all (the built-in layers use workspaces); later steps skip the scope, whose shared arena
        // costs ~20 us to open and close, and go back to it as soon as a step allocates.
        long before = Scope.allocationCount();
        double l;
        if (scopedSteps) {
            try (Scope s = Scope.open()) {
                l = stepBody(x, y);
            }
            if (Scope.allocationCount() == before) scopedSteps = false;
        } else {
            l = stepBody(x, y);
            if (Scope.allocationCount() != before) scopedSteps = true;
        }
        return l;
    }

    private boolean scopedSteps = true;

    private double stepBody(Tensor x, Tensor y) {
        Tensor out = model.forward(x);
        Tensor grad = lossGrad(out);
        double l = loss.compute(out, y, grad);
        if (!Double.isFinite(l)) throw new ArithmeticException("loss became " + l);
        model.backward(grad);
        stepOptimizer();
        return l;
    }

    private Tensor gradBuf;

    /** d loss / d output, reused across steps (the loss overwrites it). */
    private Tensor lossGrad(Tensor out) {
        if (gradBuf == null || gradBuf.dtype() != out.dtype() || !Module.hasShape(gradBuf, out.shape())) {
            gradBuf = Tensor.zeros(Scope.global(), out.dtype(), out.shape());
        }
        return gradBuf;
    }

    private void stepOptimizer() {
        if (clipNorm > 0) Optimizer.clipGradNorm(opt.params(), clipNorm);
        if (clipValue > 0) Optimizer.clipGradValue(opt.params(), clipValue);
        opt.step();
        opt.zeroGrad();
    }

    /** Loss and accuracy of the model in eval mode over a loader (restores the previous mode). */
    public Evaluation evaluate(DataLoader data) {
        boolean was = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int seen = 0;
        try {
            for (DataLoader.Batch b : data) {
                try (Scope s = Scope.open()) {
                    Tensor out = model.forward(b.x());
                    lossSum += loss.compute(out, b.y(), null) * b.size();
                    correct += countCorrect(out, b.y());
                    seen += b.size();
                }
            }
        } finally {
            if (was) model.train();
        }
        return new Evaluation(lossSum / Math.max(seen, 1), task == Task.REGRESSION ? Double.NaN : (double) correct / Math.max(seen, 1), seen);
    }

    /** The model's output in eval mode, allocated in the current scope. */
    public Tensor predict(Tensor x) {
        model.eval();
        return model.forward(x);
    }

    long countCorrect(Tensor out, Tensor y) {
        switch (task) {
            case REGRESSION: return 0;
            case MULTICLASS: {
                // argmax per row in Java (first maximum, as the ARGMAX reduction): no tensor allocated per step
                long c = 0;
                int n = out.dim(0), k = out.dim(1);
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    double bv = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < k; j++) {
                        double v = out.getFlat((long) i * k + j);
                        if (v != v) { best = j; break; }
                        if (j == 0 || v > bv) { bv = v; best = j; }
                    }
                    if (best == y.getInt(i)) c++;
                }
                return c;
            }
            default: {
                double thr = task == Task.BINARY_LOGITS ? 0.0 : 0.5;
                long c = 0, n = out.numel();
                for (long i = 0; i < n; i++) if ((out.getFlat(i) > thr) == (y.getFlat(i) > 0.5)) c++;
                return c;
            }
        }
    }
}
