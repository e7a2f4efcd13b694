package dev.vectorgrad.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.kernels.Rng;
import dev.vectorgrad.nn.Losses;
import dev.vectorgrad.nn.Module;
import dev.vectorgrad.nn.Optimizer;
import dev.vectorgrad.nn.Trainer;
import dev.vectorgrad.nn.data.DataLoader;
import dev.vectorgrad.nn.data.Dataset;
import dev.vectorgrad.nn.examples.Examples;
import dev.vectorgrad.tensor.Scope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Issue 7's question: does {@code ./vectorgrad train mnist} train worse than PyTorch? Trains the same MNIST CNN
 * (Conv2d(1->32, 3x3) + ReLU, MaxPool 2x2, Flatten, Linear(5408->64) + ReLU, Linear(64->10)) with the same recipe
 * in libtorch 2.7.1 through DJL 0.35.1, on the same data, and prints the test accuracy per seed.
 *
 * <p>Same data: the digits come from {@link Examples#digits()} (standardised (x/255 - 0.1307)/0.3081), first
 * 8,000 train, last 2,000 test, batches of 32 drawn by our own shuffling {@link DataLoader} (a new seeded
 * permutation each epoch), so the preprocessing and batching are identical by construction.
 *
 * <p>Same recipe, written out rather than left to DJL's defaults: the loss is mean softmax cross-entropy
 * ({@code -mean(logSoftmax(z)[label])}), and the optimizer is torch.optim.Adam's single-tensor update
 * (m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps); lr 1e-3, b1 0.9,
 * b2 0.999, eps 1e-8, no weight decay; gradients zeroed after each step) applied to the libtorch tensors
 * in place. DJL's own {@code Adam} folds sqrt(bc2) into the learning rate (eps not rescaled) and DJL's default
 * initializer is Xavier for weights and zeros for biases, so neither is used.
 *
 * <p>Two ways to initialise ({@code --init}):
 * <ul>
 *   <li>{@code torch} (default): PyTorch's default U(-1/sqrt(fan_in), +1/sqrt(fan_in)) for every weight and
 *   bias, drawn from libtorch's generator seeded with the seed ({@code torch.manual_seed}); batches shuffled by
 *   a loader seeded with {@code new Rng(seed)}. An independent run of the recipe in PyTorch.</li>
 *   <li>{@code vectorgrad}: the exact initial parameters and the exact batch order of
 *   {@code ./vectorgrad train mnist --seed S} (same {@link Rng} draws: model first, then {@code rng.split()} for
 *   the loader), copied into libtorch. With {@code --lockstep} our own model is trained in the same JVM on the
 *   same batches (our {@link Trainer#step}, Adam), and the two trajectories are compared: loss per step and the
 *   largest parameter difference at a few steps. This separates "different implementation" from "different
 *   random draws".</li>
 * </ul>
 *
 * <p>Usage: {@code PeerDjlMnistAccuracy [--init torch|vectorgrad] [--lockstep] [--epochs N] seed...}. Runs libtorch
 * and our kernels on one thread each. Prints one line per seed and mean / median / min / max.
 */
public final class PeerDjlMnistAccuracy {
    private PeerDjlMnistAccuracy() {}

    static final int TRAIN = 8000, TEST = 2000, BATCH = 32, EVAL_BATCH = 250;
    static final double LR = 1e-3, B1 = 0.9, B2 = 0.999, EPS = 1e-8;
    static final Set<Integer> REPORT_STEPS = Set.of(1, 2, 5, 10, 20, 50, 100, 250, 500, 750, 1000, 1250);

    public static void main(String[] args) throws Exception {
        String init = "torch";
        boolean lockstep = false;
        int epochs = 5;
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--init" -> init = args[++i];
                case "--lockstep" -> lockstep = true;
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                default -> seeds.add(Long.parseLong(args[i]));
            }
        }
        if (!init.equals("torch") && !init.equals("vectorgrad")) throw new IllegalArgumentException("--init torch|vectorgrad, got " + init);
        if (lockstep && !init.equals("vectorgrad")) throw new IllegalArgumentException("--lockstep needs --init vectorgrad");
        if (seeds.isEmpty()) seeds.add(42L);

        System.setProperty("ai.djl.pytorch.num_threads", "1");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        Parallel.setThreads(1);
        Engine engine = Engine.getEngine("PyTorch");

        Dataset all = Examples.digits();
        Dataset train = all.range(0, TRAIN), test = all.range(all.size() - TEST, all.size());
        float[] testX = features(test);
        int[] testY = labels(test);

        System.out.printf(Locale.ROOT, "# PeerDjlMnistAccuracy: %s %s, init %s%s, %d epochs, batch %d, Adam lr %g, %d train / %d test digits, 1 thread%n",
                engine.getEngineName(), engine.getVersion(), init, lockstep ? " (lockstep with vectorgrad)" : "", epochs, BATCH, LR, TRAIN, TEST);
        List<Double> accT = new ArrayList<>(), accV = new ArrayList<>();
        for (long seed : seeds) {
            long t0 = System.nanoTime();
            Run r = run(engine, train, testX, testY, seed, init, lockstep, epochs);
            accT.add(r.torchAcc);
            String ours = "";
            if (lockstep) {
                accV.add(r.ourAcc);
                ours = String.format(Locale.ROOT, "  vectorgrad_test_accuracy %.4f  vectorgrad_final_epoch_loss %.4f", r.ourAcc, r.ourLoss);
            }
            System.out.printf(Locale.ROOT, "seed %d  libtorch_test_accuracy %.4f  libtorch_final_epoch_loss %.4f%s  (%.1f s)%n",
                    seed, r.torchAcc, r.torchLoss, ours, (System.nanoTime() - t0) / 1e9);
        }
        summary("libtorch", accT);
        if (lockstep) summary("vectorgrad", accV);
    }

    record Run(double torchAcc, double torchLoss, double ourAcc, double ourLoss) {}

    static Run run(Engine engine, Dataset train, float[] testX, int[] testY, long seed, String init, boolean lockstep, int epochs) {
        engine.setRandomSeed((int) seed); // torch.manual_seed
        Rng rng = new Rng(seed);
        Module ours = null;
        Rng loaderRng;
        List<float[]> initial = null;
        if (init.equals("vectorgrad")) {
            ours = Examples.mnistModel(Scope.shared(), rng); // the same draws as Examples.mnist
            initial = new ArrayList<>();
            for (var p : ours.parameters()) initial.add(p.data().toFloatArray());
            loaderRng = rng.split();
        } else {
            loaderRng = rng;
        }
        Trainer ourTrainer = lockstep ? new Trainer(ours, Losses.crossEntropy(), Optimizer.adam(ours.parameters(), LR), Trainer.Task.MULTICLASS) : null;

        try (NDManager manager = engine.newBaseManager()) {
            Block net = net(initial);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
            List<NDArray> params = new ArrayList<>();
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray a = p.getValue().getArray();
                a.setRequiresGradient(true);
                params.add(a);
            }
            if (initial != null) checkSame("initial parameters", params, ours, 0);
            List<NDArray> m = new ArrayList<>(), v = new ArrayList<>();
            for (NDArray a : params) {
                m.add(manager.zeros(a.getShape(), DataType.FLOAT32));
                v.add(manager.zeros(a.getShape(), DataType.FLOAT32));
            }
            ParameterStore store = new ParameterStore(manager, false);
            long step = 0;
            double torchEpochLoss = 0, ourEpochLoss = 0;
            try (DataLoader dl = new DataLoader(train, BATCH, true, loaderRng)) {
                for (int e = 0; e < epochs; e++) {
                    double sumT = 0, sumV = 0;
                    int nb = 0;
                    for (DataLoader.Batch b : dl) {
                        float[] x = b.x().toFloatArray();
                        int[] y = b.y().toIntArray();
                        step++;
                        double lt = torchStep(manager, net, store, params, m, v, x, y, b.size(), step);
                        sumT += lt;
                        if (lockstep) {
                            double lv = ourTrainer.step(b.x(), b.y());
                            sumV += lv;
                            if (REPORT_STEPS.contains((int) step)) {
                                System.out.printf(Locale.ROOT, "  seed %d step %5d  loss libtorch %.6f  vectorgrad %.6f  |diff| %.2e  max|param diff| %.2e%n",
                                        seed, step, lt, lv, Math.abs(lt - lv), maxDiff(params, ours));
                            }
                        }
                        nb++;
                    }
                    torchEpochLoss = sumT / nb;
                    ourEpochLoss = sumV / nb;
                    double acc = accuracy(manager, net, store, testX, testY);
                    System.out.printf(Locale.ROOT, "  seed %d epoch %d  libtorch train loss %.4f test acc %.4f%s%n", seed, e + 1, torchEpochLoss, acc,
                            lockstep ? String.format(Locale.ROOT, "  vectorgrad train loss %.4f", ourEpochLoss) : "");
                }
            }
            double torchAcc = accuracy(manager, net, store, testX, testY);
            double ourAcc = Double.NaN;
            if (lockstep) {
                Dataset test = Dataset.classification(testX, new int[] {1, 28, 28}, testY);
                try (DataLoader tl = new DataLoader(test, EVAL_BATCH, false, null)) {
                    ourAcc = ourTrainer.evaluate(tl).accuracy();
                }
            }
            return new Run(torchAcc, torchEpochLoss, ourAcc, ourEpochLoss);
        }
    }

    /** The model; each layer's weight and bias initialised to U(+-1/sqrt(fan_in)) or to the given values. */
    static Block net(List<float[]> initial) {
        Block conv = Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(32).build();
        Block fc1 = Linear.builder().setUnits(64).build();
        Block fc2 = Linear.builder().setUnits(10).build();
        int[] fanIn = {1 * 3 * 3, 32 * 13 * 13, 64};
        Block[] layers = {conv, fc1, fc2};
        for (int l = 0; l < 3; l++) {
            layers[l].setInitializer(initializer(fanIn[l], initial == null ? null : initial.get(2 * l)), Parameter.Type.WEIGHT);
            layers[l].setInitializer(initializer(fanIn[l], initial == null ? null : initial.get(2 * l + 1)), Parameter.Type.BIAS);
        }
        return new SequentialBlock()
                .add(conv)
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(fc1)
                .add(Activation::relu)
                .add(fc2);
    }

    /** PyTorch's default for Linear and Conv2d weights and biases (kaiming_uniform(a = sqrt 5) = U(+-1/sqrt(fan_in))), or fixed values. */
    static Initializer initializer(int fanIn, float[] values) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return (mgr, shape, dtype) -> {
            if (values == null) return mgr.randomUniform((float) -bound, (float) bound, shape, dtype);
            if (values.length != shape.size()) throw new IllegalStateException("parameter of shape " + shape + " given " + values.length + " values");
            return mgr.create(values, shape);
        };
    }

    /** One step: forward (training), mean softmax cross-entropy, backward, torch.optim.Adam, zero the gradients. */
    static double torchStep(NDManager manager, Block net, ParameterStore store, List<NDArray> params, List<NDArray> m, List<NDArray> v,
                            float[] x, int[] y, int n, long step) {
        double loss;
        try (NDManager sub = manager.newSubManager()) {
            NDArray xa = sub.create(x, new Shape(n, 1, 28, 28));
            NDArray oneHot = sub.create(y, new Shape(n)).oneHot(10, DataType.FLOAT32);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray logits = net.forward(store, new NDList(xa), true).singletonOrThrow();
                NDArray l = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
                gc.backward(l);
                loss = l.getFloat();
            }
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                double bc1 = 1 - Math.pow(B1, step), bc2 = 1 - Math.pow(B2, step);
                for (int i = 0; i < params.size(); i++) {
                    NDArray p = params.get(i), g = p.getGradient();
                    g.attach(sub);
                    NDArray mi = m.get(i), vi = v.get(i);
                    mi.muli((float) B1).addi(g.mul((float) (1 - B1)));
                    vi.muli((float) B2).addi(g.mul(g).muli((float) (1 - B2)));
                    NDArray denom = vi.sqrt().divi((float) Math.sqrt(bc2)).addi((float) EPS);
                    NDArray pd = p.stopGradient();
                    pd.attach(sub);
                    pd.subi(mi.div(denom).muli((float) (LR / bc1)));
                    g.subi(g); // zero_grad
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
        return loss;
    }

    static double accuracy(NDManager manager, Block net, ParameterStore store, float[] x, int[] y) {
        int correct = 0, fs = 28 * 28;
        for (int s = 0; s < y.length; s += EVAL_BATCH) {
            int n = Math.min(EVAL_BATCH, y.length - s);
            try (NDManager sub = manager.newSubManager()) {
                NDArray xa = sub.create(Arrays.copyOfRange(x, s * fs, (s + n) * fs), new Shape(n, 1, 28, 28));
                long[] pred = net.forward(store, new NDList(xa), false).singletonOrThrow().argMax(1).toLongArray();
                for (int i = 0; i < n; i++) if (pred[i] == y[s + i]) correct++;
            }
        }
        return (double) correct / y.length;
    }

    static float[] features(Dataset d) {
        int fs = d.featureSize();
        float[] x = new float[d.size() * fs];
        for (int i = 0; i < d.size(); i++) for (int j = 0; j < fs; j++) x[i * fs + j] = d.feature(i, j);
        return x;
    }

    static int[] labels(Dataset d) {
        int[] y = new int[d.size()];
        for (int i = 0; i < y.length; i++) y[i] = d.label(i);
        return y;
    }

    static double maxDiff(List<NDArray> params, Module ours) {
        double max = 0;
        for (int i = 0; i < params.size(); i++) {
            float[] a = params.get(i).toFloatArray(), b = ours.parameters().get(i).data().toFloatArray();
            for (int j = 0; j < a.length; j++) max = Math.max(max, Math.abs(a[j] - b[j]));
        }
        return max;
    }

    static void checkSame(String what, List<NDArray> params, Module ours, double tol) {
        if (params.size() != ours.parameters().size()) throw new IllegalStateException(what + ": " + params.size() + " vs " + ours.parameters().size() + " tensors");
        for (int i = 0; i < params.size(); i++) {
            long[] ts = params.get(i).getShape().getShape();
            int[] os = ours.parameters().get(i).data().shape();
            if (!Arrays.equals(ts, Arrays.stream(os).asLongStream().toArray())) {
                throw new IllegalStateException(what + ": tensor " + i + " shape " + Arrays.toString(ts) + " vs ours " + Arrays.toString(os));
            }
        }
        double d = maxDiff(params, ours);
        if (d > tol) throw new IllegalStateException(what + " differ by " + d);
    }

    static void summary(String who, List<Double> acc) {
        double[] a = acc.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = Arrays.stream(a).average().orElse(Double.NaN);
        double sd = Math.sqrt(Arrays.stream(a).map(t -> (t - mean) * (t - mean)).sum() / Math.max(1, a.length - 1));
        double median = a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
        System.out.printf(Locale.ROOT, "%s over %d seeds: mean %.4f  median %.4f  min %.4f  max %.4f  sd %.4f%n",
                who, a.length, mean, median, a[0], a[a.length - 1], sd);
    }
}
