package dev.vectorgrad.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vectorgrad.bench.harness.GemmShape;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Peer: DJL 0.35.1 with the PyTorch engine (libtorch 2.7.1 CPU from the pytorch-native-cpu jar, no download:
 * -Dai.djl.offline=true). Same workload names and @Param names/values as ours so the harness pairs them: gemm
 * ({@code shape} as GemmBench; fresh output as DJL has no out= variant), add (in place, a += b), exp and sum
 * ({@code size} as ElementwiseBench; exp into a fresh output), softmax over the last axis ({@code shape} rows x
 * cols, fresh output), and the MNIST CNN / 10->64->64->1 MLP built
 * from DJL blocks: training step at batch 32 with Adam (mnistTrainStep, mlpTrainStep), batch-1 inference
 * (mnistInfer, mlpInfer). Per-step intermediates live in a sub-manager closed after the step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeerDjlBench {
    static NDManager open(int threads) {
        // libtorch reads these when the engine starts: set them before the first Engine call of this fork.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        return Engine.getEngine("PyTorch").newBaseManager();
    }

    /** Same {@code shape} values as GemmBench (square n, the MNIST dense-layer products); a T operand is a transposed view. */
    @State(Scope.Thread)
    public static class Gemm {
        @Param({"64", "256", "1024", "32x5408x64", "5408x32x64:TN", "32x64x5408:NT", "32x64x10"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        NDManager manager;
        NDArray a, b;

        @Setup(Level.Trial)
        public void setup() {
            GemmShape g = GemmShape.parse(shape);
            if (g.batch() > 1 || shape.contains("*")) {
                throw new IllegalArgumentException("peer GEMM benchmarks take single products, not the batch " + shape);
            }
            manager = open(threads);
            a = manager.randomUniform(-1f, 1f, new Shape(g.storedA()[0], g.storedA()[1]), DataType.FLOAT32);
            b = manager.randomUniform(-1f, 1f, new Shape(g.storedB()[0], g.storedB()[1]), DataType.FLOAT32);
            if (g.transA()) a = a.transpose(); // a strided view: libtorch passes the transpose flag to its GEMM
            if (g.transB()) b = b.transpose();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** Same {@code size} values as ElementwiseBench. */
    @State(Scope.Thread)
    public static class Vec {
        @Param({"1024", "65536", "1048576"})
        public int size;

        @Param({"1", "2"})
        public int threads;

        NDManager manager;
        NDArray a, b;

        @Setup(Level.Trial)
        public void setup() {
            manager = open(threads);
            a = manager.randomUniform(-1f, 1f, new Shape(size), DataType.FLOAT32);
            b = manager.randomUniform(-1e-6f, 1e-6f, new Shape(size), DataType.FLOAT32);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** Same {@code shape} values as ElementwiseBench.softmax: rows x cols, softmax over the last axis. */
    @State(Scope.Thread)
    public static class Soft {
        @Param({"32x10", "1024x1024"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        NDManager manager;
        NDArray x;

        @Setup(Level.Trial)
        public void setup() {
            String[] rc = shape.split("x");
            manager = open(threads);
            x = manager.randomUniform(-4f, 4f, new Shape(Integer.parseInt(rc[0]), Integer.parseInt(rc[1])), DataType.FLOAT32);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    static Block mnistNet() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(32).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(64).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
    }

    static Block mlpNet() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(64).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(64).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(1).build());
    }

    /** A model with its trainer (Adam) and one fixed batch. */
    @State(Scope.Thread)
    public abstract static class Net {
        @Param({"1", "2"})
        public int threads;

        NDManager manager;
        Model model;
        Trainer trainer;
        ParameterStore store;
        NDArray x, y;

        abstract Block block();

        abstract Shape inputShape();

        abstract Loss loss();

        abstract NDArray labels(NDManager m, int batch);

        void init(int batch) {
            manager = open(threads);
            model = Model.newInstance("peer", "PyTorch");
            model.setBlock(block());
            trainer = model.newTrainer(new DefaultTrainingConfig(loss()).optOptimizer(Optimizer.adam().build()));
            Shape in = inputShape();
            long[] dims = in.getShape().clone();
            dims[0] = batch;
            trainer.initialize(new Shape(dims));
            store = new ParameterStore(model.getNDManager(), false);
            x = manager.randomUniform(0f, 1f, new Shape(dims), DataType.FLOAT32);
            y = labels(manager, batch);
        }

        float trainStep() {
            try (NDManager sub = manager.newSubManager()) {
                x.tempAttach(sub);
                y.tempAttach(sub);
                float l;
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList pred = trainer.forward(new NDList(x));
                    NDArray loss = trainer.getLoss().evaluate(new NDList(y), pred);
                    gc.backward(loss);
                    l = loss.getFloat();
                }
                trainer.step();
                return l;
            }
        }

        float infer() {
            try (NDManager sub = manager.newSubManager()) {
                x.tempAttach(sub);
                return model.getBlock().forward(store, new NDList(x), false).singletonOrThrow().getFloat(0, 0);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            trainer.close();
            model.close();
            manager.close();
        }
    }

    @State(Scope.Thread)
    public abstract static class Mnist extends Net {
        Block block() { return mnistNet(); }

        Shape inputShape() { return new Shape(1, 1, 28, 28); }

        Loss loss() { return Loss.softmaxCrossEntropyLoss(); }

        NDArray labels(NDManager m, int batch) {
            return m.randomInteger(0, 10, new Shape(batch), DataType.INT32).toType(DataType.FLOAT32, false);
        }
    }

    @State(Scope.Thread)
    public abstract static class Mlp extends Net {
        Block block() { return mlpNet(); }

        Shape inputShape() { return new Shape(1, 10); }

        Loss loss() { return Loss.l2Loss(); }

        NDArray labels(NDManager m, int batch) {
            return m.randomUniform(-1f, 1f, new Shape(batch, 1), DataType.FLOAT32);
        }
    }

    @State(Scope.Thread)
    public static class MnistTrain extends Mnist {
        @Setup(Level.Trial)
        public void setup() { init(32); }
    }

    @State(Scope.Thread)
    public static class MnistInfer extends Mnist {
        @Setup(Level.Trial)
        public void setup() { init(1); }
    }

    @State(Scope.Thread)
    public static class MlpTrain extends Mlp {
        @Setup(Level.Trial)
        public void setup() { init(32); }
    }

    @State(Scope.Thread)
    public static class MlpInfer extends Mlp {
        @Setup(Level.Trial)
        public void setup() { init(1); }
    }

    @Benchmark
    public float mnistTrainStep(MnistTrain s) {
        return s.trainStep();
    }

    @Benchmark
    public float mlpTrainStep(MlpTrain s) {
        return s.trainStep();
    }

    @Benchmark
    public float mnistInfer(MnistInfer s) {
        return s.infer();
    }

    @Benchmark
    public float mlpInfer(MlpInfer s) {
        return s.infer();
    }

    @Benchmark
    public float gemm(Gemm s) {
        try (NDArray c = s.a.matMul(s.b)) {
            return c.getFloat(0, 0);
        }
    }

    @Benchmark
    public NDArray add(Vec s) {
        return s.a.addi(s.b);
    }

    @Benchmark
    public float exp(Vec s) {
        try (NDArray e = s.a.exp()) {
            return e.getFloat(0);
        }
    }

    @Benchmark
    public float sum(Vec s) {
        try (NDArray t = s.a.sum()) {
            return t.getFloat();
        }
    }

    @Benchmark
    public float softmax(Soft s) {
        try (NDArray p = s.x.softmax(-1)) {
            return p.getFloat(0, 0);
        }
    }
}
