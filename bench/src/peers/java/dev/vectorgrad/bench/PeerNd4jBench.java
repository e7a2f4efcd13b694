package dev.vectorgrad.bench;

import dev.vectorgrad.bench.harness.GemmShape;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.factory.Nd4j;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Peer: ND4J 1.0.0-M2.1 (nd4j-native, linux-x86_64-avx2 build; this machine has no AVX-512). gemm is
 * {@code Nd4j.gemm} into a preallocated output (ND4J's fastest path), gemmMmul the everyday {@code a.mmul(b)}
 * that allocates its result (both with GemmBench's {@code shape} values), add in place ({@code a.addi(b)}), exp into a
 * preallocated output, sum ({@code sumNumber}), softmax over the last axis into a preallocated output; mnistInfer / mlpInfer are batch-1 forward
 * passes of the same models written with ND4J's op namespaces (Nd4j.cnn(), Nd4j.nn().relu, mmul, addiRowVector; ND4J's relu_layer op rejects a row-vector input). No training
 * step: that needs SameDiff or DL4J, which this harness does not pull in.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.bytedeco.javacpp.platform.extension=-avx2"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeerNd4jBench {
    static void init(int threads) {
        // Only this fork loads ND4J, so the AVX2 native build can be selected here without touching our backends.
        System.setProperty("org.bytedeco.javacpp.platform.extension", "-avx2");
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** Same {@code shape} values as GemmBench (square n, the MNIST dense-layer products). */
    @State(Scope.Thread)
    public static class Gemm {
        @Param({"64", "256", "1024", "32x5408x64", "5408x32x64:TN", "32x64x5408:NT", "32x64x10"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        GemmShape g;
        INDArray a, b, c, aOp, bOp;

        @Setup(Level.Trial)
        public void setup() {
            init(threads);
            g = GemmShape.parse(shape);
            if (g.batch() > 1 || shape.contains("*")) {
                throw new IllegalArgumentException("peer GEMM benchmarks take single products, not the batch " + shape);
            }
            a = Nd4j.rand(DataType.FLOAT, g.storedA()[0], g.storedA()[1]);
            b = Nd4j.rand(DataType.FLOAT, g.storedB()[0], g.storedB()[1]);
            c = Nd4j.create(DataType.FLOAT, g.m(), g.n());
            aOp = g.transA() ? a.transpose() : a; // views, for mmul
            bOp = g.transB() ? b.transpose() : b;
        }
    }

    /** Same {@code size} values as ElementwiseBench. */
    @State(Scope.Thread)
    public static class Vec {
        @Param({"1024", "65536", "1048576"})
        public int size;

        @Param({"1", "2"})
        public int threads;

        INDArray a, b, out;

        @Setup(Level.Trial)
        public void setup() {
            init(threads);
            a = Nd4j.rand(DataType.FLOAT, size);
            b = Nd4j.rand(DataType.FLOAT, size).muli(1e-6);
            out = Nd4j.create(DataType.FLOAT, size);
        }
    }

    /** Same {@code shape} values as ElementwiseBench.softmax: rows x cols, softmax over the last axis. */
    @State(Scope.Thread)
    public static class Soft {
        @Param({"32x10", "1024x1024"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        INDArray x, out;

        @Setup(Level.Trial)
        public void setup() {
            init(threads);
            String[] rc = shape.split("x");
            x = Nd4j.rand(DataType.FLOAT, Integer.parseInt(rc[0]), Integer.parseInt(rc[1])).subi(0.5).muli(8);
            out = Nd4j.create(DataType.FLOAT, x.shape());
        }
    }

    @State(Scope.Thread)
    public static class Models {
        @Param({"1", "2"})
        public int threads;

        static final Conv2DConfig CONV = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
        static final Pooling2DConfig POOL = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).type(Pooling2D.Pooling2DType.MAX).isNHWC(false).build();

        INDArray x, w0, b0, w1, b1, w2, b2;
        INDArray mx, m1, mb1, m2, mb2, m3, mb3;

        @Setup(Level.Trial)
        public void setup() {
            init(threads);
            x = Nd4j.rand(DataType.FLOAT, 1, 1, 28, 28);
            w0 = Nd4j.rand(DataType.FLOAT, 32, 1, 3, 3).subi(0.5);
            b0 = Nd4j.rand(DataType.FLOAT, 32).subi(0.5);
            w1 = Nd4j.rand(DataType.FLOAT, 5408, 64).subi(0.5).muli(0.03);
            b1 = Nd4j.rand(DataType.FLOAT, 64).subi(0.5);
            w2 = Nd4j.rand(DataType.FLOAT, 64, 10).subi(0.5).muli(0.25);
            b2 = Nd4j.rand(DataType.FLOAT, 10).subi(0.5);
            mx = Nd4j.rand(DataType.FLOAT, 1, 10);
            m1 = Nd4j.rand(DataType.FLOAT, 10, 64).subi(0.5);
            mb1 = Nd4j.rand(DataType.FLOAT, 64).subi(0.5);
            m2 = Nd4j.rand(DataType.FLOAT, 64, 64).subi(0.5).muli(0.25);
            mb2 = Nd4j.rand(DataType.FLOAT, 64).subi(0.5);
            m3 = Nd4j.rand(DataType.FLOAT, 64, 1).subi(0.5).muli(0.25);
            mb3 = Nd4j.rand(DataType.FLOAT, 1).subi(0.5);
        }
    }

    @Benchmark
    public INDArray mnistInfer(Models s) {
        INDArray c = Nd4j.cnn().conv2d(s.x, s.w0, s.b0, Models.CONV);
        INDArray p = Nd4j.cnn().maxPooling2d(Nd4j.nn().relu(c, 0), Models.POOL);
        INDArray h = Nd4j.nn().relu(p.reshape(1, 5408).mmul(s.w1).addiRowVector(s.b1), 0);
        return h.mmul(s.w2).addiRowVector(s.b2);
    }

    @Benchmark
    public INDArray mlpInfer(Models s) {
        INDArray h1 = Nd4j.nn().relu(s.mx.mmul(s.m1).addiRowVector(s.mb1), 0);
        INDArray h2 = Nd4j.nn().relu(h1.mmul(s.m2).addiRowVector(s.mb2), 0);
        return h2.mmul(s.m3).addiRowVector(s.mb3);
    }

    @Benchmark
    public INDArray gemm(Gemm s) {
        return Nd4j.gemm(s.a, s.b, s.c, s.g.transA(), s.g.transB(), 1.0, 0.0);
    }

    @Benchmark
    public INDArray gemmMmul(Gemm s) {
        return s.aOp.mmul(s.bOp);
    }

    @Benchmark
    public INDArray add(Vec s) {
        return s.a.addi(s.b);
    }

    @Benchmark
    public INDArray exp(Vec s) {
        return Nd4j.exec(new Exp(s.a, s.out));
    }

    @Benchmark
    public double sum(Vec s) {
        return s.a.sumNumber().doubleValue();
    }

    @Benchmark
    public INDArray[] softmax(Soft s) {
        return Nd4j.exec(new SoftMax(s.x, s.out, -1));
    }
}
