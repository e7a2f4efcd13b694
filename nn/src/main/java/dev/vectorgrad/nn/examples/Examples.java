package dev.vectorgrad.nn.examples;

import dev.vectorgrad.kernels.Ops;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.Conv2d;
import dev.vectorgrad.nn.Flatten;
import dev.vectorgrad.nn.Linear;
import dev.vectorgrad.nn.Losses;
import dev.vectorgrad.nn.MaxPool2d;
import dev.vectorgrad.nn.Module;
import dev.vectorgrad.nn.Optimizer;
import dev.vectorgrad.nn.ReLU;
import dev.vectorgrad.nn.Safetensors;
import dev.vectorgrad.nn.Sequential;
import dev.vectorgrad.nn.Trainer;
import dev.vectorgrad.nn.data.Csv;
import dev.vectorgrad.nn.data.DataLoader;
import dev.vectorgrad.nn.data.Dataset;
import dev.vectorgrad.nn.data.Idx;
import dev.vectorgrad.tensor.Scope;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The five reference models of issue 7, runnable with {@code ./vectorgrad train <name>}. */
public final class Examples {
    private Examples() {}

    public static final List<String> NAMES = List.of("linreg", "dense-linreg", "mlp", "binary", "mnist");

    /** Run settings; null/0 fields take the model's defaults. */
    public record Options(Integer epochs, Integer batch, Double lr, long seed, Path data, String target,
                          Integer trainSamples, Integer testSamples, Path save, Path load, boolean progress, PrintStream log) {
        public static Options defaults() { return new Options(null, null, null, 42, null, null, null, null, null, null, false, null); }

        int epochs(int d) { return epochs == null ? d : epochs; }

        int batch(int d) { return batch == null ? d : batch; }

        double lr(double d) { return lr == null ? d : lr; }
    }

    /** The outcome: the figures for --json, notes to print (e.g. fitted w and b), and the history. */
    public record Result(String model, int epochs, double trainLoss, double testLoss, double testAccuracy, double samplesPerSecond,
                         List<String> notes, Trainer.History history, double fitW, double fitB) {
        public Result(String model, int epochs, double trainLoss, double testLoss, double testAccuracy, double samplesPerSecond,
                      List<String> notes, Trainer.History history) {
            this(model, epochs, trainLoss, testLoss, testAccuracy, samplesPerSecond, notes, history, Double.NaN, Double.NaN);
        }

        Result withFit(double w, double b) {
            return new Result(model, epochs, trainLoss, testLoss, testAccuracy, samplesPerSecond, notes, history, w, b);
        }
    }

    public static Result run(String name, Options o) throws IOException {
        return switch (name) {
            case "linreg" -> linreg(o);
            case "dense-linreg" -> denseLinreg(o);
            case "mlp" -> mlp(o);
            case "binary" -> binary(o);
            case "mnist" -> mnist(o);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + NAMES);
        };
    }

    private static Result finish(String name, Module model, Trainer.History h, Trainer.Evaluation test, List<String> notes, Options o) throws IOException {
        if (o.save() != null) {
            Safetensors.save(o.save(), model);
            notes.add("saved " + model.stateDict().size() + " tensors to " + o.save());
        }
        double sps = h.epochs().stream().mapToDouble(Trainer.EpochStats::samplesPerSecond).average().orElse(Double.NaN);
        if (o.log() != null) {
            double us = inferenceMicros(model, inputShape(name));
            notes.add(String.format("batch-1 inference (preallocated, eval): %.1f us median", us));
        }
        return new Result(name, h.size(), h.size() == 0 ? Double.NaN : h.last().trainLoss(), test.loss(), test.accuracy(), sps, notes, h);
    }

    private static int[] inputShape(String name) {
        return switch (name) {
            case "mnist" -> new int[] {1, 1, 28, 28};
            case "binary" -> new int[] {1, 10};
            case "mlp" -> null;
            default -> new int[] {1, 1};
        };
    }

    /** Median latency in microseconds of a batch-1 {@link dev.vectorgrad.nn.Inference} call, after warm-up. */
    public static double inferenceMicros(Module model, int[] shape) {
        if (shape == null) {
            var first = model.parameters().get(0).data();
            shape = new int[] {1, first.dim(1)};
        }
        model.eval();
        try (dev.vectorgrad.nn.Inference inf = new dev.vectorgrad.nn.Inference(model, shape); Scope s = Scope.open()) {
            dev.vectorgrad.tensor.Tensor x = Ops.uniform(dev.vectorgrad.tensor.Tensor.zeros(s, model.parameters().get(0).data().dtype(), shape), 0, 1, new Rng(0));
            // Warm up until C2 has compiled the path (300 calls left it in C1 code: 770-1240 us per call against
            // 25-30 us in JMH), at most 3 s.
            long until = System.nanoTime() + 3_000_000_000L;
            for (int i = 0; i < 20_000 && System.nanoTime() < until; i++) inf.run(x);
            long[] t = new long[300];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                inf.run(x);
                t[i] = System.nanoTime() - t0;
            }
            java.util.Arrays.sort(t);
            return t[t.length / 2] / 1e3;
        }
    }

    private static void maybeLoad(Module m, Options o, List<String> notes) throws IOException {
        if (o.load() != null) {
            Safetensors.loadInto(o.load(), m);
            notes.add("loaded " + o.load());
        }
    }

    // ------------------------------------------------------------------ linreg

    /** y = 3x + 2 + N(0,1) on 100 points in [0, 10]; w, b from 0; SGD lr 0.1 on standardised x; full batch. */
    static Result linreg(Options o) throws IOException {
        Rng rng = new Rng(o.seed());
        int n = 100;
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (10 * rng.nextDouble());
            y[i] = (float) (3 * x[i] + 2 + rng.nextGaussian());
        }
        Dataset raw = Dataset.regression(x, new int[] {1}, y, 1);
        Dataset.Standardizer st = raw.fitStandardizer();
        Dataset ds = raw.standardize(st);
        Scope params = Scope.shared();
        Linear lin = new Linear(params, 1, 1, rng);
        Ops.fill(lin.weight().data(), 0);
        Ops.fill(lin.bias().data(), 0);
        List<String> notes = new ArrayList<>();
        maybeLoad(lin, o, notes);
        Trainer tr = new Trainer(lin, Losses.mse(), Optimizer.sgd(lin.parameters(), o.lr(0.1)), Trainer.Task.REGRESSION).log(o.log());
        try (DataLoader dl = new DataLoader(ds, o.batch(n), false, null)) {
            Trainer.History h = tr.fit(dl, null, o.epochs(1000));
            Trainer.Evaluation ev = tr.evaluate(dl);
            double ws = lin.weight().data().getFlat(0), bs = lin.bias().data().getFlat(0);
            double w = ws / st.std()[0], b = bs - ws * st.mean()[0] / st.std()[0];
            notes.add(String.format("w = %.4f, b = %.4f (true 3, 2), final MSE %.4f", w, b, ev.loss()));
            return finish("linreg", lin, h, ev, notes, o).withFit(w, b);
        }
    }

    // ------------------------------------------------------------------ dense-linreg

    /** One Dense(1) layer, SGD, MSE, 100 epochs on y = 2x - 1 + N(0, 0.1) over x in [-1, 1] (200 points, batch 32). */
    static Result denseLinreg(Options o) throws IOException {
        Rng rng = new Rng(o.seed());
        int n = 200;
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * rng.nextDouble() - 1);
            y[i] = (float) (2 * x[i] - 1 + 0.1 * rng.nextGaussian());
        }
        Dataset[] split = Dataset.regression(x, new int[] {1}, y, 1).split(0.2, rng);
        Linear lin = new Linear(Scope.shared(), 1, 1, rng);
        Module model = new Sequential(lin);
        List<String> notes = new ArrayList<>();
        maybeLoad(model, o, notes);
        Trainer tr = new Trainer(model, Losses.mse(), Optimizer.sgd(model.parameters(), o.lr(0.1)), Trainer.Task.REGRESSION).log(o.log());
        try (DataLoader train = new DataLoader(split[0], o.batch(32), true, rng.split()); DataLoader test = new DataLoader(split[1], 256, false, null)) {
            Trainer.History h = tr.fit(train, test, o.epochs(100));
            notes.add(String.format("fit y = %.4f x + %.4f (true 2x - 1); loss %.4f -> %.4f", lin.weight().data().getFlat(0),
                    lin.bias().data().getFlat(0), h.size() == 0 ? Double.NaN : h.epochs().get(0).trainLoss(), h.size() == 0 ? Double.NaN : h.last().trainLoss()));
            Result r = finish("dense-linreg", model, h, tr.evaluate(test), notes, o);
            return r.withFit(lin.weight().data().getFlat(0), lin.bias().data().getFlat(0));
        }
    }

    // ------------------------------------------------------------------ mlp

    /** Dense(10, ReLU) -> Dense(10, ReLU) -> Dense(1), Adam, MSE, batch 32, 100 epochs on a CSV table (standardised features). */
    static Result mlp(Options o) throws IOException {
        Csv csv = o.data() != null ? Csv.read(o.data()) : Csv.readResource("/dev/vectorgrad/nn/data/regression.csv");
        String target = o.target() != null ? o.target() : csv.header().get(csv.header().size() - 1);
        Rng rng = new Rng(o.seed());
        Dataset[] split = csv.toRegression(target).split(0.2, rng);
        Dataset.Standardizer st = split[0].fitStandardizer();
        Dataset train = split[0].standardize(st), test = split[1].standardize(st);
        int d = train.featureSize();
        Scope p = Scope.shared();
        Module model = new Sequential(new Linear(p, d, 10, rng), new ReLU(), new Linear(p, 10, 10, rng), new ReLU(), new Linear(p, 10, 1, rng));
        List<String> notes = new ArrayList<>();
        notes.add(csv.rows().length + " rows, " + d + " features, target '" + target + "'");
        maybeLoad(model, o, notes);
        Trainer tr = new Trainer(model, Losses.mse(), Optimizer.adam(model.parameters(), o.lr(1e-2)), Trainer.Task.REGRESSION).log(o.log());
        try (DataLoader tl = new DataLoader(train, o.batch(32), true, rng.split()); DataLoader vl = new DataLoader(test, 256, false, null)) {
            Trainer.History h = tr.fit(tl, vl, o.epochs(100));
            double var = 0, mean = 0;
            for (int i = 0; i < test.size(); i++) mean += test.target(i, 0);
            mean /= test.size();
            for (int i = 0; i < test.size(); i++) var += Math.pow(test.target(i, 0) - mean, 2);
            var /= test.size();
            Trainer.Evaluation ev = tr.evaluate(vl);
            notes.add(String.format("test MSE %.4f vs target variance %.4f (R^2 = %.3f)", ev.loss(), var, 1 - ev.loss() / var));
            return finish("mlp", model, h, ev, notes, o);
        }
    }

    // ------------------------------------------------------------------ binary

    /**
     * Dense(64, ReLU) -> Dense(64, ReLU) -> Dense(1) logit (sigmoid folded into the loss: BCE with logits), Adam,
     * batch 32, 10 epochs on 1,000 samples of 10 features: label = [w.x + 0.3 noise > 0], 20% held out.
     */
    static Result binary(Options o) throws IOException {
        Rng rng = new Rng(o.seed());
        int n = 1000, d = 10;
        double[] w = new double[d];
        for (int j = 0; j < d; j++) w[j] = rng.nextGaussian();
        float[] x = new float[n * d], y = new float[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rng.nextGaussian();
                s += w[j] * x[i * d + j];
            }
            y[i] = s + 0.3 * rng.nextGaussian() > 0 ? 1f : 0f;
        }
        Dataset[] split = Dataset.regression(x, new int[] {d}, y, 1).split(0.2, rng);
        Scope p = Scope.shared();
        Module model = new Sequential(new Linear(p, d, 64, rng), new ReLU(), new Linear(p, 64, 64, rng), new ReLU(), new Linear(p, 64, 1, rng));
        List<String> notes = new ArrayList<>();
        maybeLoad(model, o, notes);
        Trainer tr = new Trainer(model, Losses.bceWithLogits(), Optimizer.adam(model.parameters(), o.lr(1e-3)), Trainer.Task.BINARY_LOGITS).log(o.log());
        try (DataLoader tl = new DataLoader(split[0], o.batch(32), true, rng.split()); DataLoader vl = new DataLoader(split[1], 256, false, null)) {
            Trainer.History h = tr.fit(tl, vl, o.epochs(10));
            Trainer.Evaluation ev = tr.evaluate(vl);
            notes.add(String.format("validation accuracy %.4f on %d samples", ev.accuracy(), ev.samples()));
            return finish("binary", model, h, ev, notes, o);
        }
    }

    // ------------------------------------------------------------------ mnist

    /**
     * The bundled 10,000 digits, [n, 1, 28, 28], standardised with the usual MNIST pixel mean 0.1307 and
     * standard deviation 0.3081 (as PyTorch's MNIST example does); labels I32.
     */
    public static Dataset digits() throws IOException {
        Idx.UBytes img = Idx.readResource("/dev/vectorgrad/nn/data/digits10k-images-idx3-ubyte.gz");
        Idx.UBytes lab = Idx.readResource("/dev/vectorgrad/nn/data/digits10k-labels-idx1-ubyte.gz");
        if (img.count() != lab.count()) throw new IOException(img.count() + " images but " + lab.count() + " labels");
        float[] x = new float[img.data().length];
        for (int i = 0; i < x.length; i++) x[i] = (img.get(i) / 255f - 0.1307f) / 0.3081f;
        int[] l = new int[lab.count()];
        for (int i = 0; i < l.length; i++) l[i] = lab.get(i);
        return Dataset.classification(x, new int[] {1, img.dims()[1], img.dims()[2]}, l);
    }

    /** Conv2d(1->32, 3x3), ReLU, MaxPool 2x2, Flatten, Linear(5408->64), ReLU, Linear(64->10). */
    public static Sequential mnistModel(Scope p, Rng rng) {
        return new Sequential(new Conv2d(p, 1, 32, 3, rng), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(p, 32 * 13 * 13, 64, rng), new ReLU(), new Linear(p, 64, 10, rng));
    }

    /** Softmax cross-entropy, Adam 1e-3, batch 32, 5 epochs; first 8,000 train, last 2,000 test. */
    static Result mnist(Options o) throws IOException {
        Dataset all = digits();
        int nTrain = o.trainSamples() != null ? o.trainSamples() : 8000;
        int nTest = o.testSamples() != null ? o.testSamples() : 2000;
        if (nTrain + nTest > all.size()) throw new IllegalArgumentException(nTrain + " train + " + nTest + " test samples exceed the " + all.size() + " bundled digits");
        Dataset train = all.range(0, nTrain), test = all.range(all.size() - nTest, all.size());
        Rng rng = new Rng(o.seed());
        Sequential model = mnistModel(Scope.shared(), rng);
        List<String> notes = new ArrayList<>();
        maybeLoad(model, o, notes);
        Trainer tr = new Trainer(model, Losses.crossEntropy(), Optimizer.adam(model.parameters(), o.lr(1e-3)), Trainer.Task.MULTICLASS)
                .log(o.log()).progress(o.progress());
        try (DataLoader tl = new DataLoader(train, o.batch(32), true, rng.split()); DataLoader vl = new DataLoader(test, 250, false, null)) {
            Trainer.History h = tr.fit(tl, vl, o.epochs(5));
            Trainer.Evaluation ev = tr.evaluate(vl);
            notes.add(String.format("test accuracy %.4f on %d digits", ev.accuracy(), ev.samples()));
            return finish("mnist", model, h, ev, notes, o);
        }
    }
}
