package dev.vectorgrad.kernels;

import static dev.vectorgrad.kernels.NativeSegments.nat;

import dev.vectorgrad.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 GEMM, built like BLIS/OpenBLAS: c = alpha * a @ b + beta * c for any strided 2-d views.
 *
 * <p>Loops (outer to inner), the BLIS order: jc over NC columns, pc over KC of k (pack a KC x NC panel of B),
 * ic over MC rows (pack an MC x KC block of A, ~144 KB, meant to stay in L2), jr over NR-column slivers of B
 * (one sliver, KC x NR = 16 KB on AVX2, stays in L1), ir over MR-row slivers of A, then the MR x NR register
 * tile. With NC = 4096, A is packed once per k block for n up to 4096. (The other order, A sliver in L1 and
 * a B panel of L2 size, repacks A n / NC times; it measured no better here.) On AVX2 MR = 4 and NR = 2 vectors:
 * 8 accumulators + 2 B vectors + 1 broadcast. Larger tiles lose on AVX2 with C2 (JDK 25): it schedules all
 * of a k step's broadcasts before the FMAs, so 6 x 2 (12 accumulators) needs 2 + 6 + 12 > 16 ymm registers and
 * keeps one accumulator on the stack (load, FMA, store every k step: the disassembly of the C2 code shows it),
 * 5 x 2 likewise; 6 x 2 ran at 43 GFLOPS, 4 x 3 at ~25, 4 x 2 at 90-97 (near this Zen 3 core's FMA peak) on
 * L2-resident packed data, thread CPU time. Unrolling k by 2/4/8 by hand did not help (C2 does not unroll this
 * loop itself, but the 4 x 2 loop is FMA-bound already). On AVX-512 (32 registers) the tile is 8 x 2 vectors of
 * 16 lanes (see {@link #MR}).
 * Block sizes can be overridden for tuning with -Dvectorgrad.gemm.kc / .mc / .nc (read once, at class
 * initialisation); with the C-tile touch in {@link #kernel} KC = 256/384/512/1024 measured alike at n = 512 and
 * 1024 (within the noise of a loaded machine), so KC stays at the L1 size of a B sliver. Packing zero-pads edges,
 * so the microkernel always computes a whole tile; only the store of an edge tile goes through a small buffer.
 *
 * <p>From {@link #prepackMin} multiply-adds (default 2^24, e.g. 256^3) the prepacked path runs instead: all of B
 * is packed once into one buffer (threads split the slivers), then threads claim row blocks of C and each packs
 * only its MC x k panel of A (see {@link #prepacked}). With two threads the BLIS-order path had each column
 * panel's thread pack all of A (at n = 1024, A was packed four times); here A and B are packed once in total and
 * both threads read the one packed B. On one thread it measured the same as the BLIS order within the noise
 * (interleaved runs, loaded machine).
 *
 * <p>GENERATED COUNTERPART: GemmF64 is made from this file by kernels-vector/gen-gemm-f64.sh (Float -> Double
 * and a few literals); run it after every change here. A shared generic driver was not tried: a microkernel
 * behind an interface call is the megamorphic pattern that boxes vectors.
 */
final class GemmF32 {
    private GemmF32() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /**
     * Rows of the register tile: 4 where vectors are 8 floats (16 registers, see above), 8 with 16-float vectors
     * (AVX-512's 32 registers: 16 accumulators + 2 B vectors + broadcasts). -Dvectorgrad.gemm.mr=4|8 overrides.
     * On the AVX-512 Zen 5 build machine (2026-12-05, interleaved with OpenBLAS's SkylakeX kernels, 1 thread, two
     * alternations): n = 256 0.88-0.89x OpenBLAS with 4 rows, 0.94-0.95x with 8; n = 1024 0.83-0.85x and 0.87-0.89x.
     * 12 rows (24 accumulators) measured the same as 8. The 8 x 2 loop alone on L1-resident data runs at ~205-210
     * GFLOPS, about OpenBLAS's own kernel time in a profile; the rest is the C epilogue and packing.
     */
    static final int MR = Integer.getInteger("vectorgrad.gemm.mr", L >= 16 ? 8 : 4) == 8 ? 8 : 4;
    static final int NR = 2 * L;
    static final int KC = Integer.getInteger("vectorgrad.gemm.kc", 256);
    static final int MC = Integer.getInteger("vectorgrad.gemm.mc", MR * 36);
    static final int NC = Integer.getInteger("vectorgrad.gemm.nc", Math.max(NR, 4096 / NR * NR));
    /**
     * Column block of the prepacked path ({@link #prepacked}): an MC x NC2 block of C stays in L2 over the whole
     * k loop, next to the MC x KC block of A and the KC x NC2 panel of B (144 x 192 + 144 x 256 + 256 x 192
     * floats = 450 KB of this machine's 512 KB).
     */
    static final int NC2 = Math.max(NR, Integer.getInteger("vectorgrad.gemm.nc2", 192) / NR * NR);
    static final long ES = 4; // bytes per element
    private static final ValueLayout.OfFloat E = ValueLayout.JAVA_FLOAT;
    /** Unaligned: a get through it checks no alignment ({@link #tiny}'s in-loop loads of A). */
    private static final ValueLayout.OfFloat EU = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder BO = ByteOrder.nativeOrder();

    /** Below this many multiply-adds (m*n*k) a call runs on one thread. */
    static final long PARALLEL_MIN = 1L << 21;
    /**
     * At or below this many multiply-adds, the unpacked direct path runs (C rows unit-stride; B too, or small). 64^3
     * since the 8-row blocks ({@link #directRows8}): there 3.2-3.6 us direct against 5.0-6.1 us packed (OpenBLAS
     * SkylakeX 2.5 us; bench compare, 1 thread, two alternations); 56^3 measured alike both ways.
     */
    static final long DIRECT_MAX = Long.getLong("vectorgrad.gemm.direct", 64L * 64 * 64);
    /**
     * Also direct, whatever m: a short reduction (k at most this) or a B of at most {@link #DIRECT_KN} elements
     * (the conv-style products 21632 x 9 x 32 and 21632 x 32 x 9): a packed kernel call of a few k steps is
     * mostly its C epilogue, while the direct loop stores its registers straight to C. Measured (thread CPU
     * time, interleaved with OpenBLAS): 21632 x 9 x 32 1.23 ms packed, 0.45 ms direct (OpenBLAS 0.52 ms);
     * k = 16 with n = 32..1024 direct 1.1-1.4x faster than packed; k = 32 with n = 256 packed 2x faster. Only
     * for n >= 2 vectors: a narrower C leaves the direct loop 4 accumulators and a masked tail (21632 x 32 x 9
     * took 2.4 ms direct, 1.1 ms packed).
     */
    static final int DIRECT_K = 16;
    static final long DIRECT_KN = 2048;
    /**
     * Also direct, whatever m*n*k: c = a @ b of a row-major A (the 8-row kernels, see {@link #eightRows}) whose B has
     * at most this many elements: the 8-row blocks stream B from L2 (half of the 1 MB that AVX-512 cores from
     * Skylake-SP and Zen 4 on have) with no packing at all, where the packed path pays for packing both operands
     * and its edge tiles. Bench compare, 1 thread, one JVM per setting: 80^3 0.47x OpenBLAS packed against 0.93x
     * direct, 100^3 0.53x / 0.78x, 144^3 0.80x / 1.11x, 256^3 0.97x / 1.10x, 32x784x128 1.36x / 1.92x, 384^3 0.96x /
     * 1.07x; 1024^3 (B of 4 MB, past L2) 0.96x / 0.51x. Package-private and mutable so the tests can force the packed
     * paths; {@code -Dvectorgrad.gemm.directb=elements} overrides.
     */
    static long directBMax = Long.getLong("vectorgrad.gemm.directb", 1L << 17);
    /** Largest B (elements) the direct path copies into a unit-stride buffer when its rows are strided. */
    static final long DIRECT_PACK_B = 1L << 14;
    /** Largest padded copy of B (k x 2L elements) for a C of one to two vectors of columns. */
    static final long DIRECT_PAD_B = 1L << 18;

    /**
     * At or below this many multiply-adds, c = a @ b with C at most one vector wide runs
     * {@link #tiny}; {@code -Dvectorgrad.gemm.tiny=0} turns it off. Package-private and mutable so the tests can
     * force it on or off.
     */
    static long tinyMax = Long.getLong("vectorgrad.gemm.tiny", 32L * 32 * 32);
    /**
     * As {@link #tinyMax} for a C narrower than a vector ({@link #tinyRowsMasked}, 4-row blocks), with at most
     * {@link #TINY_MASKED_ROWS} rows; {@code -Dvectorgrad.gemm.tinymasked} and {@code .tinyrows} override. Bench
     * compare, 1 thread, tinymasked 0 (the staged and direct paths) against on, us, two alternations each: 8^3
     * 0.094-0.098 / 0.081-0.082, 12^3 0.203-0.205 / 0.133, 8x32x8 0.198-0.215 / 0.161, 16x16x8 0.215-0.223 /
     * 0.191-0.196, 20x20x7 0.339-0.349 / 0.287-0.290, 24x24x10 0.394-0.398 / 0.361-0.362, 8x128x8 0.547-0.560 /
     * 0.469-0.471, 4x256x8 0.98-0.99 / 0.45-0.47, 24x32x10 0.49-0.50 / 0.44-0.48; 4^3 0.068-0.069 / 0.055-0.056;
     * 16x8x8 0.145-0.150 / 0.139-0.148. It lost at 32 rows (32x8x8 0.231-0.241 / 0.257-0.262) and with more work
     * (32x64x10 1.08-1.10 / 1.47-1.50 and 100x20x7 1.23-1.28 / 1.72-1.73 with the first, one-loop kernel): each
     * 4-row block is a chain of k dependent FMAs per accumulator.
     */
    static long tinyMaskedMax = Long.getLong("vectorgrad.gemm.tinymasked", 8192);
    static final int TINY_MASKED_ROWS = Integer.getInteger("vectorgrad.gemm.tinyrows", 24);
    /**
     * Past {@link #tinyMax} and {@link #tinyMaskedMax}, the tiny path still runs below this many multiply-adds (the
     * single-thread range: {@link #PARALLEL_MIN}) while B holds at most {@link #TINY_WIDE_B} elements (64 KB), which
     * each block of rows reads again. Since every allocation ends in {@code Scope.SLACK} bytes (session
     * 23), B's last rows and C's last row no longer take the JDK's lane-checked masked path, and the tiny kernels beat
     * the staged, direct and transposed-A paths on every such shape measured (Zen 4, bench compare, 1 thread, us,
     * old paths / tiny): 32x64x10 1.075 / 0.960, 32x8x8 0.241 / 0.208, 64x32x10:TN 1.178 / 1.056, 100x20x7 1.245 /
     * 1.156, 48x32x12 0.958 / 0.786, 64x64x8 2.147 / 1.885, 128x16x10 1.417 / 1.217, 256x64x10 8.43 / 7.61, 1024x64x15
     * 33.4 / 30.4, 32x1024x10 15.9 / 14.1, 8x1024x8 4.43 / 3.42; n == L: 64x64x16 1.878 / 1.707, 128x128x16 7.15 /
     * 6.59, 1024x32x16 15.9 / 14.8, 32x1024x16 14.8 / 13.3. With B past 64 KB it lost (16x4096x12 34.4 /
     * 49.6, 8x16384x8 75.6 / 93.9): hence the B limit. {@code -Dvectorgrad.gemm.tinywide=0} turns this range off.
     */
    static long tinyWideMax = Long.getLong("vectorgrad.gemm.tinywide", 1L << 21);
    static final long TINY_WIDE_B = (1L << 16) / ES;

    /**
     * From this many multiply-adds (and with the packed B below {@link #PREPACK_MAX_FLOATS}) the prepacked path
     * runs; package-private and mutable so the tests can force either path.
     */
    static long prepackMin = Long.getLong("vectorgrad.gemm.prepack", 1L << 24);
    /** Largest packed copy of B (elements) the prepacked path keeps; beyond it the BLIS-order path runs. */
    static final long PREPACK_MAX_FLOATS = 1L << 23;

    /**
     * The dot path ({@link #dotNT}) runs for x @ W^T with at most this many rows of x (a training batch, an inference
     * batch) and at least {@link #DOT_K} steps; {@code -Dvectorgrad.gemm.dotm=rows} overrides, 0 turns it off.
     * Package-private and mutable so the tests can force it on or off.
     */
    static int dotM = Integer.getInteger("vectorgrad.gemm.dotm", 32);
    static final int DOT_K = 128;
    /**
     * From this many elements of B (8 MB) the dot path runs for up to 3 {@link #dotM} rows: transposing a B past the
     * caches costs more per element (bench compare, 1 thread, two alternations, packed / dot: 64x4096x1024:NT 9.1-11.0 /
     * 6.4-6.6 ms, 128x4096x1024:NT 14.2-15.2 / 12.6-13.0 ms; with a 4 MB B 64x1024x1024:NT 1.66-1.73 / 1.72-1.84 ms).
     */
    static final long DOT_WIDE_B = 1L << 21;
    /** Sixteen vectors of zeros: {@link #dotAcc}'s starting accumulators in the first k block (no fill of the buffer). */
    private static final float[] DOT_ZEROS = new float[16 * L];
    /** Largest A (elements) the dot path copies (per thread, kept): 8 MB. */
    static final long DOT_X_MAX = 1L << 21;
    /** k per block of the dot path: 1024 and up measured alike, 256 and 512 slower (the accumulators' round trips). */
    static final int DOT_KB = Integer.getInteger("vectorgrad.gemm.dotkb", 2048) / L * L;
    /** Columns of C per pass of the dot path: their accumulators (16 vectors per 4 x 4 outputs) stay in L2 over k. */
    static final int DOT_NC = Integer.getInteger("vectorgrad.gemm.dotnc", 64) / 4 * 4;
    /** Distance of the rows of {@link Buffers#dotX} in a block: up to DOT_KB + L - 1 steps (a short last block joins the one before). */
    static final int DOT_XS = DOT_KB + L;

    /** Per-thread packing buffers and an edge-tile buffer; allocated once per thread (apanel grows on demand). */
    private static final class Buffers {
        final float[] ap = new float[MC * KC];
        final float[] bp = new float[KC * NC];
        final float[] tile = new float[MR * NR + 1]; // + the spare slot for the C touch in kernel()
        float[] apanel = new float[0];
        /** The direct path's unit-stride copy of a small strided B (grows on demand, kept). */
        MemorySegment bsmall = MemorySegment.NULL;
        /** {@link #swapNarrowTN}'s row-major C^T (grows on demand, kept; with Scope's slack after it). */
        MemorySegment swapC = MemorySegment.NULL;
        /** The direct path's zero-padded copy of B's column tail (see {@link #tailCopy}; grows on demand, kept). */
        float[] btail = new float[0];
        /** The 8-row direct kernels' copy of 8 rows of A (see {@link #copyRows}; grows on demand, kept). */
        float[] arows = new float[0];
        /** {@link #directNarrow}'s copy of B (grows on demand, kept) and its staging rows (8 rows < 2L apart + 2L). */
        float[] bnarrow = new float[0];
        final float[] stage = new float[16 * L];
        /** {@link #transposeNarrowB}'s copy of B^T's rows (16 rows k apart + L, grows on demand, kept) and its result. */
        MemorySegment ntRows = MemorySegment.NULL;
        float[] ntB = new float[0];
        /** {@link #dotColumns}' copy of A, k block after k block, rows {@link #DOT_XS} apart in each (grows on demand, kept). */
        float[] dotX = new float[0];
        /** {@link #dotColumns}' accumulators: 16 vectors per 4 rows of A and 4 of {@link #DOT_NC} columns (grows on demand, kept). */
        float[] dotAcc = new float[0];
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /**
     * One call's arguments: reused per calling thread so a parallel call allocates nothing. Threads claim the output
     * in whole tiles from a counter, so on a busy machine a late worker finds the work already done instead of
     * holding up the caller's half: the row paths guided (see {@link #runRowBlocks}), the BLIS-order path in
     * {@code chunks} equal panels along the output's longer side. Which thread computes a tile does not change its
     * value.
     */
    private static final class Job implements Parallel.RangeTask {
        MemorySegment as, bs, cs;
        long ao, as0, as1, bo, bs0, bs1, co, cs0, cs1;
        int m, n, k;
        float alpha, beta;
        boolean splitCols, prepack, directRows, dot;
        /** The direct path over a copy of B padded to 2 vectors of columns (L < n < 2L); see {@link #packSmallB}. */
        boolean padded;
        /** Non-null: the rows run {@link #directNarrow} over this, the calling thread's transposed B (see {@link #narrowNT}). */
        float[] ntB;
        int units, chunks;
        final AtomicInteger next = new AtomicInteger();
        /** The prepacked path's copy of all of B (grows on demand, kept) and its padded width. */
        float[] bfull = new float[0];
        int nPad;
        /** Packs NR-column slivers [lo, hi) of B for every k block into {@link #bfull}. */
        final Parallel.RangeTask packAll = (lo, hi) -> {
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                int j0 = lo * NR, j1 = Math.min(n, hi * NR);
                if (j0 < j1) packB(this, bfull, pc * nPad + j0 * kc, pc, kc, j0, j1 - j0);
            }
        };

        @Override
        public void run(int lo, int hi) {
            Buffers buf = BUFFERS.get();
            long claimed;
            while ((claimed = claim()) >= 0) {
                int u0 = (int) (claimed >>> 32), u1 = (int) claimed;
                if (dot) {
                    dotColumns(this, buf, u0 * 4, Math.min(n, u1 * 4));
                } else if (directRows) {
                    if (ntB != null || staged(this)) directNarrow(this, buf, u0 * MR, Math.min(m, u1 * MR));
                    else direct(this, u0 * MR, Math.min(m, u1 * MR));
                } else if (prepack) {
                    prepacked(this, buf, u0 * MR, Math.min(m, u1 * MR));
                } else if (splitCols) {
                    blocked(this, buf, 0, m, u0 * NR, Math.min(n, u1 * NR));
                } else {
                    blocked(this, buf, u0 * MR, Math.min(m, u1 * MR), 0, n);
                }
            }
        }

        /**
         * Claims the next units [u0, u1) as {@code u0 << 32 | u1}, or -1 when none is left: the next of
         * {@code chunks} equal chunks (the BLIS-order path), or on the row paths (direct, prepacked) the unclaimed
         * units divided by {@code chunks} (the threads), at least one: guided.
         */
        private long claim() {
            while (true) {
                if (!directRows && !prepack) {
                    int c = next.getAndIncrement();
                    if (c >= chunks) return -1;
                    return (long) units * c / chunks << 32 | (long) units * (c + 1) / chunks;
                }
                int u0 = next.get();
                if (u0 >= units) return -1;
                int u1 = Math.min(units, u0 + Math.max(1, (units - u0) / chunks));
                if (next.compareAndSet(u0, u1)) return (long) u0 << 32 | u1;
            }
        }
    }

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    static void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        gemm(alpha, a.segment(), a.offset(), a.stride(0), a.stride(1), b.segment(), b.offset(), b.stride(0), b.stride(1),
                beta, c.segment(), c.offset(), c.stride(0), c.stride(1), c.dim(0), c.dim(1), a.dim(1));
    }

    /**
     * The same on raw operands (no Tensor views to build: the convolution kernels call it once per image):
     * c[m, n] = alpha * a[m, k] @ b[k, n] + beta * c, each given as segment, element offset and the two element
     * strides. Arguments are trusted (the caller checked the shapes and that the segments are alive).
     */
    static void gemm(double alpha, MemorySegment as, long ao, long as0, long as1, MemorySegment bs, long bo, long bs0, long bs1,
                     double beta, MemorySegment cs, long co, long cs0, long cs1, int m, int n, int k) {
        if (m == 0 || n == 0) return;
        if (tiny(alpha, as, ao, as0, as1, bs, bo, bs0, bs1, beta, cs, co, cs0, cs1, m, n, k)) return;
        if (swapNarrowTN(as0, as1, bs1, m, n, k)) {
            // C^T = B^T A^T: the same products, C^T's rows at least two vectors wide. C^T of a row-major C has unit
            // row stride, which the direct kernels do not write: a small one is computed row-major into a scratch
            // (the direct 4-row blocks, fewRowsT) and copied into C with alpha and beta.
            if ((long) m * n > SWAP_SCRATCH_MAX) {
                gemm(alpha, bs, bo, bs1, bs0, as, ao, as1, as0, beta, cs, co, cs1, cs0, n, m, k);
                return;
            }
            Buffers buf = BUFFERS.get();
            long bytes = (long) m * n * ES + dev.vectorgrad.tensor.Scope.SLACK;
            if (buf.swapC.byteSize() < bytes) buf.swapC = Arena.ofAuto().allocate(Math.max(bytes, 4096), 64);
            MemorySegment t = buf.swapC, c = nat(cs);
            gemm(1.0, bs, bo, bs1, bs0, as, ao, as1, as0, 0.0, t, 0, m, 1, n, m, k);
            float al = (float) alpha, be = (float) beta;
            for (int i = 0; i < m; i++) {
                for (int jj = 0; jj < n; jj++) {
                    long e = co + i * cs0 + jj * cs1;
                    float v = al * t.getAtIndex(E, (long) jj * m + i);
                    c.setAtIndex(E, e, be == 0 ? v : v + be * c.getAtIndex(E, e));
                }
            }
            return;
        }
        Job j = JOBS.get();
        j.as = as;
        j.bs = bs;
        j.cs = cs;
        j.ao = ao; j.as0 = as0; j.as1 = as1;
        j.bo = bo; j.bs0 = bs0; j.bs1 = bs1;
        j.co = co; j.cs0 = cs0; j.cs1 = cs1;
        j.m = m; j.n = n; j.k = k;
        j.padded = false;
        j.alpha = (float) alpha;
        j.beta = (float) beta;
        try {
            if (k == 0 || alpha == 0) {
                scaleC(j);
                return;
            }
            long work = (long) m * n * k;
            int threads = Parallel.threads();
            boolean parallel = threads > 1 && work >= PARALLEL_MIN;
            // The prepacked and direct paths split rows only: with too few row tiles for the threads (a short, wide
            // C) the BLIS-order path below splits columns instead.
            boolean rowsEnough = !parallel || (m + MR - 1) / MR >= 2 * threads;
            // A small x^T @ dY with a C narrower than a vector (fc2's weight gradient): 8-row blocks of A packed (narrowTN).
            if (work <= DIRECT_MAX && narrowTN(j)) {
                if (j.bs1 != 1 || j.bs0 != n) packSmallB(j);
                directNarrowTN(j, BUFFERS.get());
                return;
            }
            // x @ W^T with few rows of x past the direct path's sizes: dot products of rows read in place (see dotNT);
            // threads take equal runs of 4 columns, each copying A once.
            j.dot = false;
            if (work > DIRECT_MAX && dotNT(j)) {
                j.dot = true;
                j.units = (n + 3) / 4;
                j.chunks = parallel ? threads : 1;
                j.next.set(0);
                if (parallel) Parallel.forRange(threads, 1, j);
                else dotColumns(j, BUFFERS.get(), 0, n);
                return;
            }
            // A C narrower than a vector goes direct too where the 8-row blocks run (see direct()): they use n / L of
            // each FMA's lanes where the packed tile uses n / 2L.
            // 21632 x 32 x 9 (MNIST conv backward-data): 690-850 us packed, 260-290 us direct (OpenBLAS 240-260).
            boolean narrowEight = n < L && eightRows(j);
            // Not for a transposed A (x^T @ dY): packA reads its columns as vectors, and the packed kernel beat the
            // direct 4-row blocks (5408x32x64:TN 1.23x OpenBLAS against 0.86-0.89x, 2000x16x64:TN 1.10-1.12x
            // against 0.81-0.82x).
            boolean shortK = (n >= 2 * L || narrowEight) && (k <= DIRECT_K || (long) k * n <= DIRECT_KN) && rowsEnough
                    && !(j.as0 == 1 && j.as1 != 1);
            // A C of one to two vectors of columns (a 10-class output, a 9-tap weight gradient): B copied with its rows
            // padded to 2 vectors, so the direct loop keeps 8 accumulators instead of 4 and a masked tail.
            boolean narrow = n >= L && n < 2 * L && m >= 2 * MR && rowsEnough && (long) k * 2 * L <= DIRECT_PAD_B;
            // Except, between one and two vectors of columns, c = a @ b with contiguous rows of B and C: that runs
            // directNarrow's staged 8-row kernel (direct() takes it; the small-B rule below admits it).
            boolean staged2 = n > L && staged(j) && rowsEnough && (long) k * n <= directBMax;
            if (j.cs1 == 1 && narrow && !staged2) {
                // n == L: one whole vector of columns, nothing to pad (the padded copy was 7.5% of a 16^3 call's
                // samples in perf, and the flush of its zero half more).
                // Padded also where the 8-row kernels could run a vector block and the tail instead (20^3, 24^3:
                // 0.56-0.61x OpenBLAS against 0.45-0.54x padded): with that, a fresh-clone CI run once found the conv
                // backward-weight GEMM of ConvTrainingAllocationTest (144 x 24 x 169, beta 0 then 1, two threads)
                // boxing 89 KB per call for good, which three local runs under load did not reproduce. Not taken
                // until that is understood. (Contiguous calls of that kind now run staged2 instead: one kernel, heap
                // arrays only, no tail copy; fresh-clone CI green on it, conv allocation entries 0.)
                j.padded = n > L;
                if (j.padded || j.bs1 != 1) packSmallB(j);
                j.directRows = true;
                j.prepack = false;
                runRowBlocks(j, parallel, threads);
                return;
            }
            boolean smallB = (long) k * n <= directBMax && eightRows(j) && rowsEnough;
            // At most two 8-row blocks against a B of any size, rows contiguous (x @ W for a small batch): the direct
            // path reads B in place once per block, where the packed path reads B, writes a packed copy and reads that.
            // Bench compare, 1 thread, packed / direct: 4x1024x4096 2704 / 1898 us, 8x1024x4096 2443 / 1998 us,
            // 16x1024x4096 4620 / 4311 us, 16x512x512 103 / 75 us; 32x1024x4096 (four blocks) 5804 / 8435 us.
            boolean fewRows = m <= 2 * MR && j.bs1 == 1 && eightRows(j) && rowsEnough;
            // The same for x^T @ dY (A transposed) into a C at least two vectors wide: the direct 4-row blocks
            // (directBlock2), on any thread count (the row units give each row the same blocks as one thread does).
            // Bench harness, 1 thread, us (packed / direct): 9x21632x32:TN 325 / 197, 9x2000x32:TN 28.7 / 17.7,
            // 12x5000x48:TN 232 / 75, 16x1000x128:TN 48 / 39, 16x300x64:TN 7.4 / 6.5.
            boolean fewRowsT = m <= 2 * MR && j.as0 == 1 && j.as1 != 1 && j.bs1 == 1 && n >= 2 * L;
            if (j.cs1 == 1 && (work <= DIRECT_MAX || shortK || smallB || fewRows || fewRowsT) && (j.bs1 == 1 || (long) k * n <= DIRECT_PACK_B)) {
                if (narrowNT(j)) transposeNarrowB(j, BUFFERS.get());
                else if (j.bs1 != 1) packSmallB(j);
                j.directRows = true;
                j.prepack = false;
                runRowBlocks(j, parallel, threads);
                return;
            }
            j.directRows = false;
            int nPad = (n + NR - 1) / NR * NR;
            if (work >= prepackMin && rowsEnough && (long) nPad * k <= PREPACK_MAX_FLOATS) {
                // Pack all of B once (threads split its slivers), then threads take row blocks of C.
                j.nPad = nPad;
                if (j.bfull.length < nPad * k) j.bfull = new float[nPad * k];
                int slivers = nPad / NR;
                if (parallel) {
                    Parallel.forRange(slivers, 1, j.packAll);
                } else {
                    j.packAll.run(0, slivers);
                }
                j.prepack = true;
                runRowBlocks(j, parallel, threads);
                return;
            }
            j.prepack = false;
            if (!parallel) {
                blocked(j, BUFFERS.get(), 0, m, 0, n);
                return;
            }
            // Panels along the output's longer side (in tile units), two per thread; each packs its own.
            int colUnits = (n + NR - 1) / NR, rowUnits = (m + MR - 1) / MR;
            j.splitCols = colUnits * NR >= rowUnits * MR;
            j.units = j.splitCols ? colUnits : rowUnits;
            j.chunks = Math.min(j.units, 2 * threads);
            j.next.set(0);
            Parallel.forRange(threads, 1, j);
        } finally {
            j.as = j.bs = j.cs = null;
            j.ntB = null;
        }
    }

    /** Most elements of a C that {@link #swapNarrowTN} computes through a row-major scratch for C^T. */
    private static final long SWAP_SCRATCH_MAX = 1 << 16;

    /**
     * x^T @ dY into a C narrower than a vector, with rows for two vectors or more and more than {@link #DIRECT_MAX}
     * multiply-adds (past the tiny path): a convolution's weight gradient dY^T @ cols as K x CRS, 32 x 21632 x 9 for the
     * MNIST conv. Run as C^T = B^T A^T, whose C^T is m wide: every FMA uses whole vectors where C's rows use n / L of
     * each, and each broadcast feeds m / L FMAs instead of one. Bench harness, 1 thread, us per call (as is / swapped):
     * 32x21632x9:TN 817 / 378, 32x5408x9:TN 197 / 93, 64x4096x12:TN 267 / 135; at 64x32x10:TN and 48x2000x5:TN, which
     * the tiny path takes, and at m = L (16x30000x9), swapping was slower. A C of at most {@link #SWAP_SCRATCH_MAX}
     * elements gets C^T row-major in a scratch, so that the direct 4-row blocks run it (fewRowsT), and is copied back.
     * Bench compare against OpenBLAS, 1 / 2 threads: 32x21632x9:TN 0.69x / 0.51x as is, 1.44x / 1.12x swapped into
     * C^T, 2.71x / 2.20x through the scratch; 128x8000x9:TN 0.81x / 0.76x, 1.48x / 1.57x, 2.61x / 2.44x; 32x2000x9:TN
     * 0.17x, 0.37x, 0.69x (there OpenBLAS's small-matrix kernel runs at 97 GFLOPS). The choice depends on the shape
     * only, so one and two threads give the same bits.
     */
    private static boolean swapNarrowTN(long as0, long as1, long bs1, int m, int n, int k) {
        return as0 == 1 && as1 != 1 && bs1 == 1 && n < L && m >= 2 * L && (long) m * n * k > DIRECT_MAX;
    }

    /**
     * The tiny path: c = a @ b (alpha 1, beta 0) of at most {@link #tinyMax} multiply-adds (or in the wide range,
     * {@link #tinyWideMax}) whose C is at most one vector wide (n <= L), B's and C's rows unit-stride, A any strides.
     * It runs before anything else of a call (no thread-local job or buffers, no copies): rows of C in registers (8 at
     * a time for n == L, 4 below), A's elements read in place and broadcast, B's and C's rows read and stored in place
     * (below L with the lanes past n masked off; the JDK checks the lanes one by one only where a whole vector would
     * pass the segment's end). The rows past m of the last block repeat row m - 1 (the same values stored again). A's
     * and B's offsets walk the k loop as their own sums (steps that are values, not constants), so C2 keeps each load's
     * bounds check in the loop instead of splitting it into pre, main and post loops for range-check elimination: per
     * call that split cost more than the k steps of a tiny product (a 16^3 prototype: 150 ns with the indices p-linear,
     * 123 ns with walked offsets; with -XX:-RangeCheckElimination 130). Only the preferred species: a second shape
     * (256-bit rows for n = 8) made the JDK's shared profiles name two vector classes, and one C2 compile in four then
     * left this method's 512-bit stores boxed (20 KB per 16^3 call). On Zen 4 the k loop takes ~12.5 cycles per 8 FMAs:
     * a 512-bit broadcast runs on an FP pipe there and C2 does not fold it into the FMA ({@code m32{1to16}}), so one
     * FMA per broadcast stays near 70% of the FMA peak (in C: 83 GFLOPS with separate broadcasts, 116 folded). Pairs of
     * k steps per broadcast (A's pair as a double, B's rows interleaved) were tried: C1 ran out of registers, and once
     * split to compile they were slower below 8x16x64 (bench/README.md, session 23).
     */
    private static boolean tiny(double alpha, MemorySegment as, long ao, long as0, long as1, MemorySegment bs, long bo,
                                long bs0, long bs1, double beta, MemorySegment cs, long co, long cs0, long cs1,
                                int m, int n, int k) {
        if (alpha != 1 || beta != 0 || bs1 != 1 || cs1 != 1 || n > L || k == 0) return false;
        long work = (long) m * n * k;
        boolean small = n == L ? work <= tinyMax : work <= tinyMaskedMax && m <= TINY_MASKED_ROWS;
        boolean wide = work < Math.min(tinyWideMax, PARALLEL_MIN) && (long) k * n <= TINY_WIDE_B;
        if (!small && !wide) return false;
        if (n == L) tinyRows(nat(as), ao, as0, as1, nat(bs), bo, bs0, nat(cs), co, cs0, m, k);
        else tinyRowsMasked(nat(as), ao, as0, as1, nat(bs), bo, bs0, nat(cs), co, cs0, m, n, k);
        return true;
    }

    /** {@link #tiny} for n == L: 8 accumulators of S per 8 rows of C, whole-vector loads and stores. */
    private static void tinyRows(MemorySegment as, long ao, long as0, long as1, MemorySegment bs, long bo, long bs0,
                                 MemorySegment cs, long co, long cs0, int m, int k) {
        long sa = as1 * ES, sb = bs0 * ES;
        for (int i = 0; i < m; i += 8) {
            int last = m - 1;
            long r0 = i, r1 = Math.min(i + 1, last), r2 = Math.min(i + 2, last), r3 = Math.min(i + 3, last),
                    r4 = Math.min(i + 4, last), r5 = Math.min(i + 5, last), r6 = Math.min(i + 6, last), r7 = Math.min(i + 7, last);
            long a0 = (ao + r0 * as0) * ES, a1 = (ao + r1 * as0) * ES, a2 = (ao + r2 * as0) * ES, a3 = (ao + r3 * as0) * ES,
                    a4 = (ao + r4 * as0) * ES, a5 = (ao + r5 * as0) * ES, a6 = (ao + r6 * as0) * ES, a7 = (ao + r7 * as0) * ES;
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            long pa = 0, pb = bo * ES;
            for (int p = 0; p < k; p++, pa += sa, pb += sb) {
                FloatVector bv = FloatVector.fromMemorySegment(S, bs, pb, BO);
                c0 = FloatVector.broadcast(S, as.get(EU, a0 + pa)).fma(bv, c0);
                c1 = FloatVector.broadcast(S, as.get(EU, a1 + pa)).fma(bv, c1);
                c2 = FloatVector.broadcast(S, as.get(EU, a2 + pa)).fma(bv, c2);
                c3 = FloatVector.broadcast(S, as.get(EU, a3 + pa)).fma(bv, c3);
                c4 = FloatVector.broadcast(S, as.get(EU, a4 + pa)).fma(bv, c4);
                c5 = FloatVector.broadcast(S, as.get(EU, a5 + pa)).fma(bv, c5);
                c6 = FloatVector.broadcast(S, as.get(EU, a6 + pa)).fma(bv, c6);
                c7 = FloatVector.broadcast(S, as.get(EU, a7 + pa)).fma(bv, c7);
            }
            c0.intoMemorySegment(cs, (co + r0 * cs0) * ES, BO);
            c1.intoMemorySegment(cs, (co + r1 * cs0) * ES, BO);
            c2.intoMemorySegment(cs, (co + r2 * cs0) * ES, BO);
            c3.intoMemorySegment(cs, (co + r3 * cs0) * ES, BO);
            c4.intoMemorySegment(cs, (co + r4 * cs0) * ES, BO);
            c5.intoMemorySegment(cs, (co + r5 * cs0) * ES, BO);
            c6.intoMemorySegment(cs, (co + r6 * cs0) * ES, BO);
            c7.intoMemorySegment(cs, (co + r7 * cs0) * ES, BO);
        }
    }

    /**
     * {@link #tiny} for n < L: 4 accumulators of S per 4 rows of C. B's rows are read as whole vectors while one fits
     * inside B's segment (the lanes past n hold the next row's elements and are not stored), then masked (two loops:
     * the whole loads took 8^3 from 0.087 to 0.081 us and 12^3 from 0.152 to 0.133); C's rows are stored with the lanes
     * past n masked off. Not 8 rows: with the masked loads and stores, C1 ran out of registers compiling that ("COMPILE
     * SKIPPED: out of virtual registers"), and the method could stay in code that boxes every vector for seconds. So
     * did these 4 rows with the whole-vector loop unrolled by two into 8 accumulators (1-33 us and up to 220 KB per
     * call).
     */
    private static void tinyRowsMasked(MemorySegment as, long ao, long as0, long as1, MemorySegment bs, long bo, long bs0,
                                       MemorySegment cs, long co, long cs0, int m, int n, int k) {
        long sa = as1 * ES, sb = bs0 * ES;
        VectorMask<Float> cols = S.indexInRange(0, n);
        // Steps [0, whole) read B's row as a whole vector inside the segment (its lanes past n are not stored).
        long room = bs.byteSize() / ES - bo - L; // elements past a whole vector at B's first row
        int whole = room < 0 || bs0 < 0 ? 0 : bs0 == 0 ? k : (int) Math.min(k, room / bs0 + 1);
        for (int i = 0; i < m; i += 4) {
            int last = m - 1;
            long r0 = i, r1 = Math.min(i + 1, last), r2 = Math.min(i + 2, last), r3 = Math.min(i + 3, last);
            long a0 = (ao + r0 * as0) * ES, a1 = (ao + r1 * as0) * ES, a2 = (ao + r2 * as0) * ES, a3 = (ao + r3 * as0) * ES;
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            long pa = 0, pb = bo * ES;
            int p = 0;
            for (; p < whole; p++, pa += sa, pb += sb) {
                FloatVector bv = FloatVector.fromMemorySegment(S, bs, pb, BO);
                c0 = FloatVector.broadcast(S, as.get(EU, a0 + pa)).fma(bv, c0);
                c1 = FloatVector.broadcast(S, as.get(EU, a1 + pa)).fma(bv, c1);
                c2 = FloatVector.broadcast(S, as.get(EU, a2 + pa)).fma(bv, c2);
                c3 = FloatVector.broadcast(S, as.get(EU, a3 + pa)).fma(bv, c3);
            }
            for (; p < k; p++, pa += sa, pb += sb) {
                FloatVector bv = FloatVector.fromMemorySegment(S, bs, pb, BO, cols);
                c0 = FloatVector.broadcast(S, as.get(EU, a0 + pa)).fma(bv, c0);
                c1 = FloatVector.broadcast(S, as.get(EU, a1 + pa)).fma(bv, c1);
                c2 = FloatVector.broadcast(S, as.get(EU, a2 + pa)).fma(bv, c2);
                c3 = FloatVector.broadcast(S, as.get(EU, a3 + pa)).fma(bv, c3);
            }
            c0.intoMemorySegment(cs, (co + r0 * cs0) * ES, BO, cols);
            c1.intoMemorySegment(cs, (co + r1 * cs0) * ES, BO, cols);
            c2.intoMemorySegment(cs, (co + r2 * cs0) * ES, BO, cols);
            c3.intoMemorySegment(cs, (co + r3 * cs0) * ES, BO, cols);
        }
    }

    /**
     * Runs the job's row path over MR-row units. Parallel, threads claim them guided: each claim takes the unclaimed
     * units divided by the threads (at least one), so the first claims are long (few passes over the packed B) and
     * the last are one unit, and the threads finish together whichever woke late. Against 8 equal chunks per thread
     * (bench compare, 2 threads, one JVM per setting, three alternations): 1024^3 6.48-6.50 ms against 6.84-7.25 ms,
     * 2 threads / 1 thread 1.90-1.95x against 1.72-1.80x. Single-threaded, the direct path runs inline (no counter:
     * tiny products take ~100 ns in all).
     */
    private static void runRowBlocks(Job j, boolean parallel, int threads) {
        if (!parallel && j.directRows) {
            if (j.ntB != null || staged(j)) directNarrow(j, BUFFERS.get(), 0, j.m);
            else direct(j, 0, j.m);
            return;
        }
        j.units = (j.m + MR - 1) / MR;
        j.chunks = parallel ? threads : 1;
        j.next.set(0);
        if (parallel) {
            Parallel.forRange(threads, 1, j);
        } else {
            j.run(0, 1);
        }
    }

    /**
     * Copies B (k x n, any strides) into this thread's unit-stride buffer, rows of n elements, or of 2L with zeros
     * after column n when the job is {@code padded}, and points the job at it.
     */
    private static void packSmallB(Job j) {
        Buffers buf = BUFFERS.get();
        int k = j.k, n = j.n, w = j.padded ? 2 * L : n;
        long bytes = (long) k * w * ES;
        if (buf.bsmall.byteSize() < bytes) buf.bsmall = Arena.ofAuto().allocate(Math.max(bytes, 4096), 64);
        MemorySegment dst = buf.bsmall, src = nat(j.bs);
        long bo = j.bo, bs0 = j.bs0, bs1 = j.bs1;
        if (j.padded && bs1 == 1) {
            // Rows of L..2L-1 elements: a full vector and a masked one (zeros in the masked-off lanes) per row.
            VectorMask<Float> rest = S.indexInRange(0, n - L);
            for (int p = 0; p < k; p++) {
                long e = (bo + p * bs0) * ES, d = (long) p * w * ES;
                FloatVector.fromMemorySegment(S, src, e, BO).intoMemorySegment(dst, d, BO);
                FloatVector.fromMemorySegment(S, src, e + L * ES, BO, rest).intoMemorySegment(dst, d + L * ES, BO);
            }
        } else if (bs0 == 1 && w == n) {
            // A transposed B (dY @ W with W stored transposed, 32x10x64:NT): its n rows of k to the heap, transposed
            // there with int indices, and copied out in one piece, instead of a long-indexed get and set per element.
            int nk = n * k;
            if (buf.bnarrow.length < 2 * nk) buf.bnarrow = new float[2 * nk];
            float[] h = buf.bnarrow;
            copyToHeap(src, bo, bs1, n, k, h);
            for (int c = 0; c < n; c++) {
                for (int p = 0, d = nk + c; p < k; p++, d += n) h[d] = h[c * k + p];
            }
            MemorySegment.copy(h, nk, dst, E, 0, nk);
        } else {
            for (int p = 0; p < k; p++) {
                long e = bo + p * bs0, d = (long) p * w;
                int c = 0;
                for (; c < n; c++) dst.setAtIndex(E, d + c, src.getAtIndex(E, e + c * bs1));
                for (; c < w; c++) dst.setAtIndex(E, d + c, 0f);
            }
        }
        j.bs = dst;
        j.bo = 0;
        j.bs0 = w;
        j.bs1 = 1;
    }

    /** c = beta * c (k == 0 or alpha == 0); beta == 0 writes zeros without reading c. */
    private static void scaleC(Job j) {
        for (int i = 0; i < j.m; i++) {
            for (int jj = 0; jj < j.n; jj++) {
                long e = j.co + i * j.cs0 + jj * j.cs1;
                float v = j.beta == 0 ? 0f : j.beta * j.cs.getAtIndex(E, e);
                j.cs.setAtIndex(E, e, v);
            }
        }
    }

    // ------------------------------------------------------------------ direct path (small, no packing)

    /**
     * Rows [i0, i1) in blocks of 4 rows, B rows read in place: 2-vector column blocks (8 accumulators, enough to
     * keep both FMA pipes busy), a 1-vector block, then one masked block for the column tail. With MR == 8, a
     * row-major A, alpha 1 and beta 0 (c = a @ b, the common call), blocks of 8 rows instead ({@link #directRows8},
     * {@link #directRows8x1} and {@link #directRows8Tail}; the rows left over in blocks of 4). The accumulators go
     * to the per-thread tile buffer and {@link #directFlush} applies alpha/beta from there: no vector crosses a
     * method boundary or is merged from two branches (a {@code cond ? load : maskedLoad}, helper methods taking
     * the accumulators, a mask passed in): each of those made C2 box vectors here (1.7 KB per 20x30x19 call in
     * steady state, or 520 B depending on what C2 had inlined), checked by GemmTest.steadyStateAllocatesNothing.
     */
    private static void direct(Job j, int i0, int i1) {
        // The callers take the narrow calls to directNarrow (staged): inlined here, it and this method's own block
        // helpers parsed past C2's inlining cutoff (~19,000-27,000 nodes), and the last block loop's vector calls
        // were inlined late (see VMath "ranges").
        Buffers buf = BUFFERS.get();
        float[] tile = buf.tile;
        // B's column tail from a padded copy (tailCopy), made at the first tail block, when the call has two or more
        // 8-row blocks' worth of rows (measured before directNarrow took the narrow contiguous calls: 8^3, one block
        // in all, 0.11 us in place, 0.13-0.15 us with it); else read in place.
        boolean copyTail = i1 - i0 >= 16;
        float[] bt = null;
        int n = j.n;
        // Columns [0, full2) in 2-vector blocks, [full2, full) in 1-vector blocks, then the masked tail. Padded: B's
        // rows are 2L wide (zeros past n), one 2-vector block, the first n columns stored.
        int full2 = j.padded ? 2 * L : n - n % (2 * L), full = j.padded ? 2 * L : n - n % L;
        // 8-row blocks store their registers straight to C: only for c = a @ b (alpha 1, beta 0) of a row-major A.
        boolean eight = eightRows(j);
        float[] ab = eight ? aRows(buf, j.k) : null;
        // A transposed (g^T @ x, how nn's Linear takes its weight gradient) and C a whole number of 2-vector blocks
        // wide: the rows [i0, i1) of A (its columns, contiguous per k step) copied to the heap, then per 8 rows packed
        // p-major for directRows8P, which stores to C. The last rows (fewer than 8) take the 4-row blocks below: an 8-row
        // block of them wasted FMAs on rows past m (12x32x64:TN 0.64x OpenBLAS before, 0.60x with it).
        int span = i1 - i0;
        boolean eightT = !eight && MR == 8 && j.as0 == 1 && j.alpha == 1 && j.beta == 0 && !j.padded && n == full2
                && span >= 8;
        float[] ah = eightT ? transposedARows(j, buf, i0, span) : null, a8 = eightT ? a8Buffer(buf, j.k) : null;
        for (int i = i0, rows; i < i1; i += rows) {
            if (eightT && i1 - i >= 8) {
                rows = 8;
                packRows8(ah, i - i0, span, j.k, a8);
                for (int jj = 0; jj < n; jj += 2 * L) directRows8P(j, a8, i, jj);
                continue;
            }
            rows = eight && i1 - i >= 8 ? 8 : Math.min(4, i1 - i);
            if (rows == 8 && (full > 0 || copyTail)) copyRows(j, ab, i, 8); // else the tail reads A in place
            for (int jj = 0, w; jj < n; jj += w) {
                boolean stored = false;
                if (jj < full2) {
                    w = 2 * L;
                    if (stored = rows == 8) directRows8(j, ab, i, jj);
                    else stored = directBlock2(j, tile, i, rows, jj);
                } else if (jj < full) {
                    w = L;
                    if (stored = rows == 8) directRows8x1(j, ab, i, jj);
                    else stored = directBlock(j, tile, i, rows, jj);
                } else {
                    w = n - jj;
                    if (copyTail) {
                        if (bt == null) bt = tailCopy(j, buf, jj);
                        if (rows == 8) directRows8Tail(j, ab, bt, L, tile, NR);
                        else directTailCopy(j, bt, tile, i, rows);
                    } else {
                        directTail(j, tile, i, Math.min(4, rows), jj);
                        if (rows == 8) {
                            directFlush(j, tile, i, 4, jj, w);
                            directTail(j, tile, i + 4, 4, jj);
                            directFlush(j, tile, i + 4, 4, jj, w);
                            continue;
                        }
                    }
                }
                if (!stored) directFlush(j, tile, i, rows, jj, Math.min(w, n - jj));
            }
        }
    }

    /**
     * c = a @ b for a C narrower than a vector, or between one and two vectors wide, whose rows, and B's, are
     * contiguous (4^3, 8^3, 20^3, the conv backward-data product): B copied whole to the heap, then per 8 rows (the
     * last block fewer) A's rows copied, {@link #directRows8Tail} (one vector) or {@link #directRows8x2Stage} (two)
     * with B's rows n apart and its result rows n apart in a staging buffer, and those rows copied to C in one piece.
     * Also, with C's rows any distance apart, for a transposed B made narrow by {@link #transposeNarrowB} (its rows L
     * apart; see {@link #narrowNT}).
     * Every vector load and store is whole and inside a heap array: no mask, and none past a segment's end (the
     * JDK's checking path), and no per-row flush. The lanes past n read the next rows of B and are written over by
     * the next row's store; the last row's spill lands in the buffer's spare room.
     */
    private static void directNarrow(Job j, Buffers buf, int i0, int i1) {
        int k = j.k, n = j.n, bw = n;
        float[] ab = aRows(buf, k), bh, st = buf.stage;
        if (j.ntB != null) {
            bh = j.ntB; // B^T transposed once by the calling thread, rows L apart
            bw = L;
        } else {
            bh = heapB(j, buf);
        }
        MemorySegment cs = nat(j.cs);
        for (int i = i0; i < i1; i += 8) {
            int rows = Math.min(8, i1 - i);
            copyRows(j, ab, i, rows);
            if (n < L) directRows8Tail(j, ab, bh, bw, st, n);
            else directRows8x2Stage(ab, k, bh, n, st, n);
            stagedToC(j, st, cs, i, rows);
        }
    }

    /** B (k rows of n, contiguous) copied to this thread's heap buffer, with 2L spare floats for whole-vector reads. */
    private static float[] heapB(Job j, Buffers buf) {
        int k = j.k, n = j.n;
        if (buf.bnarrow.length < k * n + 2 * L) buf.bnarrow = new float[k * n + 2 * L];
        MemorySegment.copy(j.bs, E, j.bo * ES, buf.bnarrow, 0, k * n);
        return buf.bnarrow;
    }

    /** Rows [i, i + rows) of C from the staging rows (n floats apart): one copy when C's rows are contiguous. */
    private static void stagedToC(Job j, float[] st, MemorySegment cs, int i, int rows) {
        int n = j.n;
        if (j.cs0 == n) {
            MemorySegment.copy(st, 0, cs, E, (j.co + (long) i * n) * ES, rows * n);
        } else {
            for (int r = 0; r < rows; r++) MemorySegment.copy(st, r * n, cs, E, (j.co + (i + r) * j.cs0) * ES, n);
        }
    }

    /**
     * Whether {@link #directNarrowTN} runs: c = a @ b (alpha 1, beta 0) of a transposed A (unit row stride: the weight
     * gradient x^T @ dY) and a C narrower than a vector with unit column stride, up to DIRECT_MAX multiply-adds. The
     * 4-row direct blocks read such an A in place with a stride and store through the tile buffer: 64x32x10:TN (fc2's
     * weight gradient) took 1.2 us against OpenBLAS's 0.49 in session 16's JMH run. bench compare, old and new build
     * alternated three times (vector us, OpenBLAS's in the same JVMs 0.46-0.63): 64x32x10:TN 1.19-1.88 -> 0.77-0.82,
     * 32x64x3:TN 1.17-1.76 -> 0.76-0.99, 100x50x7:TN 2.42-3.79 -> 1.96-2.55.
     */
    private static boolean narrowTN(Job j) {
        return j.as0 == 1 && j.as1 != 1 && j.n < L && j.cs1 == 1 && j.alpha == 1 && j.beta == 0;
    }

    /**
     * {@link #directNarrow} for a transposed A ({@link #narrowTN}): a^T (k rows of m, contiguous) and B (made contiguous
     * by {@link #packSmallB} first when it is not) copied to the heap, then per 8 rows of C the 8 x k block of A packed p-major (a^T[p, i..i+8] at 8p: one vector copy per p,
     * each writing over the previous one's spill), {@link #directRows8TailP} into the staging rows, and those copied to
     * C. The rows past m of the last block read the next row of the copy or its spare room and are not copied out.
     */
    private static void directNarrowTN(Job j, Buffers buf) {
        int m = j.m, n = j.n, k = j.k;
        float[] ah = transposedARows(j, buf, 0, m), bh = heapB(j, buf);
        float[] a8 = a8Buffer(buf, k), st = buf.stage;
        MemorySegment cs = nat(j.cs);
        for (int i = 0; i < m; i += 8) {
            packRows8(ah, i, m, k, a8);
            directRows8TailP(a8, k, bh, n, st, n);
            stagedToC(j, st, cs, i, Math.min(8, m - i));
        }
    }

    /**
     * Whether the dot path runs: c = alpha * a @ b + beta * c with A's rows and B^T's rows contiguous along k (x @ W^T,
     * a Linear layer's forward, W [out, in] row-major), few rows of A ({@link #dotM}), a long k and C at least a
     * vector wide (narrower ones run {@link #narrowNT}). Each output is then a dot product of two contiguous rows, and
     * {@link #dotColumns} reads B^T in place, once: the packed path transposes all of B^T (n x k) for m rows to use,
     * which at 32x5408x64:NT (the MNIST model's fc1) took 29% of the call (JFR) and at 4x4096x1024:NT most of it. The
     * dot kernel needs 8 vector loads per 16 FMAs (the packed one 2 and 8 broadcasts) and runs at ~90 GFLOPS on
     * L1-resident data here against ~200 (microbenchmark), so it loses where the transpose is cheap per row: 64 rows
     * of a B that fits the caches (64x1024x256:NT 420-430 us packed, 440-530 dot; bench compare, 1 thread), but not of a
     * larger one ({@link #DOT_WIDE_B}). L == 16 only (the lane folds); F64 and AVX2 take the other paths.
     */
    private static boolean dotNT(Job j) {
        return L == 16 && j.as1 == 1 && j.bs0 == 1 && j.bs1 != 1 && j.n >= L && j.k >= DOT_K && (long) j.m * j.k <= DOT_X_MAX
                && (j.m <= dotM || j.m <= 3 * dotM && (long) j.n * j.k >= DOT_WIDE_B);
    }

    /**
     * The dot path over the output columns [j0, j1) (a multiple of 4 from j0, or n), all rows. A's m rows are first
     * copied to the heap in k blocks of about {@link #DOT_KB} (a last block shorter than L joins the one before), rows
     * {@link #DOT_XS} apart inside a block, so {@link #dotAcc} addresses four rows with one register and constant
     * offsets (read in place, the eight row offsets went to the stack and each load took two more). Then per
     * {@link #DOT_NC} columns, k block by k block, each 4 columns (4 rows of B^T, read in place: from L1 after the first
     * 4 rows of A) run against every 4 rows of A, the 16 accumulators of each 4 x 4 outputs kept in
     * {@link Buffers#dotAcc} between blocks and folded into C at the end: alpha times the sum, plus beta times C. Edge
     * groups repeat B^T's last row and read whatever the copy holds past row m, and store only the outputs that exist.
     * Threads split the columns; a C element's value does not depend on which thread made it.
     */
    private static void dotColumns(Job j, Buffers buf, int j0, int j1) {
        int m = j.m, n = j.n, k = j.k, mPad = (m + 3) / 4 * 4, blocks = dotBlocks(k), groups = mPad / 4;
        if (buf.dotX.length < blocks * mPad * DOT_XS) buf.dotX = new float[blocks * mPad * DOT_XS];
        if (buf.dotAcc.length < groups * DOT_NC * 4 * L) buf.dotAcc = new float[groups * DOT_NC * 4 * L];
        float[] t = buf.tile, xb = buf.dotX, acc = buf.dotAcc;
        MemorySegment cs = nat(j.cs), as = nat(j.as);
        float alpha = j.alpha, beta = j.beta;
        long ao = j.ao, as0 = j.as0, bo = j.bo, bs1 = j.bs1, co = j.co, cs0 = j.cs0, cs1 = j.cs1;
        for (int p0 = 0, p1, x = 0; p0 < k; p0 = p1, x += mPad * DOT_XS) {
            p1 = dotBlockEnd(p0, k);
            for (int i = 0; i < m; i++) MemorySegment.copy(as, E, (ao + i * as0 + p0) * ES, xb, x + i * DOT_XS, p1 - p0);
        }
        for (int jc = j0; jc < j1; jc += DOT_NC) {
            int jEnd = Math.min(j1, jc + DOT_NC);
            for (int p0 = 0, p1, x = 0; p0 < k; p0 = p1, x += mPad * DOT_XS) {
                p1 = dotBlockEnd(p0, k);
                for (int jb = jc, ai = 0; jb < jEnd; jb += 4) {
                    long b0 = bo + jb * bs1 + p0, b1 = bo + Math.min(jb + 1, n - 1) * bs1 + p0,
                            b2 = bo + Math.min(jb + 2, n - 1) * bs1 + p0, b3 = bo + Math.min(jb + 3, n - 1) * bs1 + p0;
                    for (int ib = 0, len = p1 - p0; ib < m; ib += 4, ai += 16 * L) {
                        if (p0 == 0) dotAcc(xb, x + ib * DOT_XS, j.bs, b0, b1, b2, b3, len, DOT_ZEROS, 0, acc, ai);
                        else dotAcc(xb, x + ib * DOT_XS, j.bs, b0, b1, b2, b3, len, acc, ai, acc, ai);
                        if (len % L != 0) {
                            dotAccTail(xb, x + ib * DOT_XS, j.bs, b0, b1, b2, b3, len, acc, ai, 0);
                            dotAccTail(xb, x + ib * DOT_XS, j.bs, b0, b1, b2, b3, len, acc, ai, 2);
                        }
                    }
                }
            }
            for (int jb = jc, ai = 0; jb < jEnd; jb += 4) {
                int cols = Math.min(4, n - jb);
                for (int ib = 0; ib < m; ib += 4, ai += 16 * L) {
                    dotFold(acc, ai, t);
                    int rows = Math.min(4, m - ib);
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < cols; c++) {
                            long e = co + (ib + r) * cs0 + (jb + c) * cs1;
                            float v = alpha * t[4 * r + c];
                            if (beta != 0) v = Math.fma(beta, cs.getAtIndex(E, e), v);
                            cs.setAtIndex(E, e, v);
                        }
                    }
                }
            }
        }
    }

    /** The end of the dot path's k block from p0: DOT_KB on, or k where fewer than DOT_KB + L steps are left. */
    private static int dotBlockEnd(int p0, int k) {
        return k - p0 < DOT_KB + L ? k : p0 + DOT_KB;
    }

    private static int dotBlocks(int k) {
        int b = 0;
        for (int p0 = 0; p0 < k; p0 = dotBlockEnd(p0, k)) b++;
        return b;
    }

    /**
     * The 16 accumulators from src[si + (4r + c) * L] (the previous k block's, or {@link #DOT_ZEROS} for the first) plus
     * the products over the whole vectors of {@code len} steps of the 4 rows of A copied at xb[xo + r * DOT_XS] with B^T's
     * rows at element offsets b0..b3, stored to acc[ai + (4r + c) * L] (the rest: {@link #dotAccTail}). The source is
     * chosen by the caller, not by a branch in here (see {@link #tile8C}).
     */
    private static void dotAcc(float[] xb, int xo, MemorySegment bs, long b0, long b1, long b2, long b3, int len, float[] src, int si,
                               float[] acc, int ai) {
        bs = nat(bs); // see NativeSegments
        FloatVector s00 = FloatVector.fromArray(S, src, si), s01 = FloatVector.fromArray(S, src, si + L),
                s02 = FloatVector.fromArray(S, src, si + 2 * L), s03 = FloatVector.fromArray(S, src, si + 3 * L),
                s10 = FloatVector.fromArray(S, src, si + 4 * L), s11 = FloatVector.fromArray(S, src, si + 5 * L),
                s12 = FloatVector.fromArray(S, src, si + 6 * L), s13 = FloatVector.fromArray(S, src, si + 7 * L),
                s20 = FloatVector.fromArray(S, src, si + 8 * L), s21 = FloatVector.fromArray(S, src, si + 9 * L),
                s22 = FloatVector.fromArray(S, src, si + 10 * L), s23 = FloatVector.fromArray(S, src, si + 11 * L),
                s30 = FloatVector.fromArray(S, src, si + 12 * L), s31 = FloatVector.fromArray(S, src, si + 13 * L),
                s32 = FloatVector.fromArray(S, src, si + 14 * L), s33 = FloatVector.fromArray(S, src, si + 15 * L);
        int lv = len / L * L;
        for (int q = 0; q < lv; q += L) {
            FloatVector x0 = FloatVector.fromArray(S, xb, xo + q), x1 = FloatVector.fromArray(S, xb, xo + DOT_XS + q),
                    x2 = FloatVector.fromArray(S, xb, xo + 2 * DOT_XS + q), x3 = FloatVector.fromArray(S, xb, xo + 3 * DOT_XS + q);
            FloatVector w = FloatVector.fromMemorySegment(S, bs, (b0 + q) * ES, BO);
            s00 = x0.fma(w, s00);
            s10 = x1.fma(w, s10);
            s20 = x2.fma(w, s20);
            s30 = x3.fma(w, s30);
            w = FloatVector.fromMemorySegment(S, bs, (b1 + q) * ES, BO);
            s01 = x0.fma(w, s01);
            s11 = x1.fma(w, s11);
            s21 = x2.fma(w, s21);
            s31 = x3.fma(w, s31);
            w = FloatVector.fromMemorySegment(S, bs, (b2 + q) * ES, BO);
            s02 = x0.fma(w, s02);
            s12 = x1.fma(w, s12);
            s22 = x2.fma(w, s22);
            s32 = x3.fma(w, s32);
            w = FloatVector.fromMemorySegment(S, bs, (b3 + q) * ES, BO);
            s03 = x0.fma(w, s03);
            s13 = x1.fma(w, s13);
            s23 = x2.fma(w, s23);
            s33 = x3.fma(w, s33);
        }
        s00.intoArray(acc, ai);
        s01.intoArray(acc, ai + L);
        s02.intoArray(acc, ai + 2 * L);
        s03.intoArray(acc, ai + 3 * L);
        s10.intoArray(acc, ai + 4 * L);
        s11.intoArray(acc, ai + 5 * L);
        s12.intoArray(acc, ai + 6 * L);
        s13.intoArray(acc, ai + 7 * L);
        s20.intoArray(acc, ai + 8 * L);
        s21.intoArray(acc, ai + 9 * L);
        s22.intoArray(acc, ai + 10 * L);
        s23.intoArray(acc, ai + 11 * L);
        s30.intoArray(acc, ai + 12 * L);
        s31.intoArray(acc, ai + 13 * L);
        s32.intoArray(acc, ai + 14 * L);
        s33.intoArray(acc, ai + 15 * L);
    }

    /**
     * The last {@code len mod L} steps of {@link #dotAcc}'s len (>= L) for rows r and r + 1 of the same 4 x 4 outputs, as
     * the top lanes of one more vector at len - L (inside the rows), the lanes below zeroed in both operands (0 * 0 adds
     * nothing; zeroing one alone would turn a counted Inf into NaN). Two rows per call, in its own method: all four in
     * dotAcc, or in one method, took the parse past C2's inlining cutoff with the vector calls inlined late (c2-probe).
     */
    private static void dotAccTail(float[] xb, int xo, MemorySegment bs, long b0, long b1, long b2, long b3, int len, float[] acc,
                                   int ai, int r) {
        bs = nat(bs); // see NativeSegments
        int a0 = ai + 4 * r * L, a1 = a0 + 4 * L, lv = len / L * L, q = len - L;
        VectorMask<Float> top = S.indexInRange(len - lv - L, len - lv); // lanes L - (len - lv) .. L - 1
        FloatVector z = FloatVector.zero(S);
        FloatVector x0 = z.blend(FloatVector.fromArray(S, xb, xo + r * DOT_XS + q), top),
                x1 = z.blend(FloatVector.fromArray(S, xb, xo + (r + 1) * DOT_XS + q), top);
        FloatVector w0 = z.blend(FloatVector.fromMemorySegment(S, bs, (b0 + q) * ES, BO), top),
                w1 = z.blend(FloatVector.fromMemorySegment(S, bs, (b1 + q) * ES, BO), top),
                w2 = z.blend(FloatVector.fromMemorySegment(S, bs, (b2 + q) * ES, BO), top),
                w3 = z.blend(FloatVector.fromMemorySegment(S, bs, (b3 + q) * ES, BO), top);
        x0.fma(w0, FloatVector.fromArray(S, acc, a0)).intoArray(acc, a0);
        x0.fma(w1, FloatVector.fromArray(S, acc, a0 + L)).intoArray(acc, a0 + L);
        x0.fma(w2, FloatVector.fromArray(S, acc, a0 + 2 * L)).intoArray(acc, a0 + 2 * L);
        x0.fma(w3, FloatVector.fromArray(S, acc, a0 + 3 * L)).intoArray(acc, a0 + 3 * L);
        x1.fma(w0, FloatVector.fromArray(S, acc, a1)).intoArray(acc, a1);
        x1.fma(w1, FloatVector.fromArray(S, acc, a1 + L)).intoArray(acc, a1 + L);
        x1.fma(w2, FloatVector.fromArray(S, acc, a1 + 2 * L)).intoArray(acc, a1 + 2 * L);
        x1.fma(w3, FloatVector.fromArray(S, acc, a1 + 3 * L)).intoArray(acc, a1 + 3 * L);
    }

    /**
     * The 16 accumulators at acc[ai + v * L] summed, v = 4r + c into out[v] (row r times column c), each by folding halves
     * in registers (lane i plus lane i ^ h for h = 8, 4, 2, 1; L == 16, as the dot path requires): a fixed order,
     * whichever thread or compiler tier runs it (reduceLanes' order is unspecified). A loop over the accumulators: the
     * sixteen folded at once and merged by blends parsed to 29,000 C2 nodes and was inlined late (c2-probe), and a
     * scalar fold took 32x784x128:NT from 78 to 116-144 us.
     */
    private static void dotFold(float[] acc, int ai, float[] out) {
        for (int v = 0; v < 16; v++) {
            FloatVector s = FloatVector.fromArray(S, acc, ai + v * L);
            s = s.add(s.rearrange(SWAP8));
            s = s.add(s.rearrange(SWAP4));
            s = s.add(s.rearrange(SWAP2));
            out[v] = s.add(s.rearrange(SWAP1)).lane(0);
        }
    }

    /**
     * Whether {@link #directNarrow} runs over B^T transposed by {@link #transposeNarrowB}: c = a @ b (alpha 1, beta 0) of
     * a row-major A and a transposed B (k contiguous: x @ W^T, a Linear layer's forward) into a C of 2 to L - 1 columns
     * with unit column stride (a classifier's few outputs). L == 16 and MR == 8 only ({@link #transpose16}); elsewhere
     * {@link #packSmallB} transposes B element by element.
     */
    private static boolean narrowNT(Job j) {
        return L == 16 && MR == 8 && j.n > 1 && j.n < L && j.bs0 == 1 && j.bs1 != 1 && j.cs1 == 1 && eightRows(j);
    }

    /**
     * B^T's n rows (k contiguous floats each) copied into this thread's off-heap scratch (rows k apart: one copy when
     * they are contiguous), then transposed 16 x 16 at a time into {@link Job#ntB}, step p's n floats at p * L. The
     * transposes read whole 16-row, 16-step blocks: rows n..15 and the steps past k are whatever the scratch holds
     * there (zeros, or what an earlier call left), which only reach the lanes past n and the steps past k, neither
     * stored nor read. Before (packSmallB): the rows copied to the heap, transposed there one float at a time and copied
     * twice more (32x128x10:NT, JFR: 31% of the call).
     */
    private static void transposeNarrowB(Job j, Buffers buf) {
        int n = j.n, k = j.k, kv = (k + L - 1) / L * L;
        long bytes = ((long) L * k + L) * ES;
        if (buf.ntRows.byteSize() < bytes) buf.ntRows = Arena.ofAuto().allocate(bytes, 64);
        if (buf.ntB.length < kv * L) buf.ntB = new float[kv * L];
        MemorySegment rows = buf.ntRows, src = nat(j.bs);
        if (j.bs1 == k) {
            MemorySegment.copy(src, j.bo * ES, rows, 0, (long) n * k * ES);
        } else {
            for (int c = 0; c < n; c++) MemorySegment.copy(src, (j.bo + c * j.bs1) * ES, rows, (long) c * k * ES, (long) k * ES);
        }
        float[] bt = buf.ntB;
        MemorySegment t16 = TRANSPOSE16.get();
        for (int p = 0; p < k; p += L) transpose16(rows, p, k, bt, p * L, L, t16);
        j.ntB = bt;
    }

    /**
     * As {@link #directRows8Tail}, with the 8 rows of A packed p-major (row r of step p at a8[8p + r], as {@link #packA}
     * lays out an 8-row sliver) instead of k apart. A second kernel rather than strides as parameters: with the
     * layout fixed, every index is p times a constant and C2 hoists the range checks out of the loop.
     */
    private static void directRows8TailP(float[] a8, int k, float[] bt, int bw, float[] dst, int dw) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int p = 0; p < k; p++) {
            FloatVector bv = FloatVector.fromArray(S, bt, p * bw);
            int aq = 8 * p;
            c0 = FloatVector.broadcast(S, a8[aq]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, a8[aq + 1]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, a8[aq + 2]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, a8[aq + 3]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, a8[aq + 4]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, a8[aq + 5]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, a8[aq + 6]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, a8[aq + 7]).fma(bv, c7);
        }
        c0.intoArray(dst, 0);
        c1.intoArray(dst, dw);
        c2.intoArray(dst, 2 * dw);
        c3.intoArray(dst, 3 * dw);
        c4.intoArray(dst, 4 * dw);
        c5.intoArray(dst, 5 * dw);
        c6.intoArray(dst, 6 * dw);
        c7.intoArray(dst, 7 * dw);
    }

    /**
     * Rows [i0, i0 + span) of a transposed A (its columns: contiguous, as1 apart per k step) copied to this thread's
     * heap buffer, step p's at p * span, with 2L spare floats for {@link #packRows8}'s whole-vector reads.
     */
    private static float[] transposedARows(Job j, Buffers buf, int i0, int span) {
        int k = j.k;
        if (buf.arows.length < k * span + 2 * L) buf.arows = new float[k * span + 2 * L];
        copyToHeap(j.as, j.ao + i0, j.as1, k, span, buf.arows);
        return buf.arows;
    }

    /** This thread's buffer for an 8-row block of A packed p-major ({@link #packRows8}), grown to 8 * k + L floats. */
    private static float[] a8Buffer(Buffers buf, int k) {
        if (buf.apanel.length < 8 * k + L) buf.apanel = new float[8 * k + L];
        return buf.apanel;
    }

    /**
     * Packs 8 rows of {@link #transposedARows}' copy, from row {@code src}, p-major into a8 (step p's at 8p): one
     * vector copy per step, each writing over the previous one's spill. Rows past the copy's end read its next step
     * or its spare room.
     */
    private static void packRows8(float[] ah, int src, int span, int k, float[] a8) {
        for (int p = 0; p < k; p++, src += span) FloatVector.fromArray(S, ah, src).intoArray(a8, 8 * p);
    }

    /** This thread's buffer for 8 rows of A (see {@link #copyRows}), grown to 8 * k floats. */
    private static float[] aRows(Buffers buf, int k) {
        if (buf.arows.length < 8 * k) buf.arows = new float[8 * k];
        return buf.arows;
    }

    /**
     * Copies rows [i, i + rows) of a row-major A (unit column stride) into ab, row r at r * k: the 8-row kernels read A
     * from this heap copy with int indices. Read in place, each of their 8 broadcast streams was a long-indexed range
     * check whose loop setup C2 computed per call, about 450 instructions before the first FMA (javap/perf at 16^3:
     * more than the 16 iterations of the loop itself).
     */
    private static void copyRows(Job j, float[] ab, int i, int rows) {
        copyToHeap(j.as, j.ao + i * j.as0, j.as0, rows, j.k, ab);
    }

    /**
     * Copies {@code count} rows of {@code len} elements, {@code stride} elements apart from element {@code e} of
     * {@code s}, into {@code dst} with rows {@code len} apart: one copy when the rows are contiguous.
     */
    private static void copyToHeap(MemorySegment s, long e, long stride, int count, int len, float[] dst) {
        s = nat(s); // see NativeSegments
        if (stride == len) {
            MemorySegment.copy(s, E, e * ES, dst, 0, count * len);
        } else {
            for (int r = 0; r < count; r++) MemorySegment.copy(s, E, (e + r * stride) * ES, dst, r * len, len);
        }
    }

    /**
     * Whether {@link #direct} hands the call to {@link #directNarrow}: the 8-row kernels (see {@link #eightRows}) with
     * fewer than L columns, or between L and 2L from a unit-stride B, and contiguous rows of B and C.
     */
    private static boolean staged(Job j) {
        int n = j.n;
        return (n < L || n > L && n < 2 * L && j.bs1 == 1) && j.bs0 == n && j.cs0 == n && eightRows(j);
    }

    /** Whether {@link #direct} runs 8-row blocks: MR == 8, c = a @ b (alpha 1, beta 0), A row-major, B not padded. */
    private static boolean eightRows(Job j) {
        return MR == 8 && j.as1 == 1 && j.alpha == 1 && j.beta == 0 && !j.padded;
    }

    /** Returns true when it stored the 4 x 2L block straight to C (alpha 1, beta 0, 4 rows); else it is in tile. */
    private static boolean directBlock2(Job j, float[] tile, int i, int rows, int jj) {
        MemorySegment as = nat(j.as), bs = nat(j.bs);
        long as0 = j.as0, as1 = j.as1, bs0 = j.bs0;
        long a0 = j.ao + i * as0;
        long a1 = rows > 1 ? a0 + as0 : a0, a2 = rows > 2 ? a0 + 2 * as0 : a0, a3 = rows > 3 ? a0 + 3 * as0 : a0;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        long be = j.bo + jj;
        for (int p = 0, k = j.k; p < k; p++, be += bs0) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bs, be * ES, BO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bs, (be + L) * ES, BO);
            long pe = p * as1;
            FloatVector a = FloatVector.broadcast(S, as.getAtIndex(E, a0 + pe));
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, as.getAtIndex(E, a1 + pe));
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, as.getAtIndex(E, a2 + pe));
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, as.getAtIndex(E, a3 + pe));
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        if (rows == 4 && j.alpha == 1 && j.beta == 0 && !j.padded) {
            MemorySegment cs = nat(j.cs);
            long c0 = (j.co + i * j.cs0 + jj) * ES, d = j.cs0 * ES, v = L * ES;
            c00.intoMemorySegment(cs, c0, BO);
            c01.intoMemorySegment(cs, c0 + v, BO);
            c10.intoMemorySegment(cs, c0 + d, BO);
            c11.intoMemorySegment(cs, c0 + d + v, BO);
            c20.intoMemorySegment(cs, c0 + 2 * d, BO);
            c21.intoMemorySegment(cs, c0 + 2 * d + v, BO);
            c30.intoMemorySegment(cs, c0 + 3 * d, BO);
            c31.intoMemorySegment(cs, c0 + 3 * d + v, BO);
            return true;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        return false;
    }

    /** As {@link #directBlock2} for one vector of columns. */
    private static boolean directBlock(Job j, float[] tile, int i, int rows, int jj) {
        MemorySegment as = nat(j.as), bs = nat(j.bs);
        long as0 = j.as0, as1 = j.as1, bs0 = j.bs0;
        long a0 = j.ao + i * as0;
        long a1 = rows > 1 ? a0 + as0 : a0, a2 = rows > 2 ? a0 + 2 * as0 : a0, a3 = rows > 3 ? a0 + 3 * as0 : a0;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        long be = j.bo + jj;
        for (int p = 0, k = j.k; p < k; p++, be += bs0) {
            FloatVector bv = FloatVector.fromMemorySegment(S, bs, be * ES, BO);
            long pe = p * as1;
            c0 = FloatVector.broadcast(S, as.getAtIndex(E, a0 + pe)).fma(bv, c0);
            c1 = FloatVector.broadcast(S, as.getAtIndex(E, a1 + pe)).fma(bv, c1);
            c2 = FloatVector.broadcast(S, as.getAtIndex(E, a2 + pe)).fma(bv, c2);
            c3 = FloatVector.broadcast(S, as.getAtIndex(E, a3 + pe)).fma(bv, c3);
        }
        if (rows == 4 && j.alpha == 1 && j.beta == 0) {
            MemorySegment cs = nat(j.cs);
            long c0o = (j.co + i * j.cs0 + jj) * ES, d = j.cs0 * ES;
            c0.intoMemorySegment(cs, c0o, BO);
            c1.intoMemorySegment(cs, c0o + d, BO);
            c2.intoMemorySegment(cs, c0o + 2 * d, BO);
            c3.intoMemorySegment(cs, c0o + 3 * d, BO);
            return true;
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        return false;
    }

    /** As {@link #directTail} over {@link #tailCopy}'s copy of B's column tail (no mask, constant scale). */
    private static void directTailCopy(Job j, float[] bt, float[] tile, int i, int rows) {
        MemorySegment as = nat(j.as);
        long as0 = j.as0, as1 = j.as1;
        long a0 = j.ao + i * as0;
        long a1 = rows > 1 ? a0 + as0 : a0, a2 = rows > 2 ? a0 + 2 * as0 : a0, a3 = rows > 3 ? a0 + 3 * as0 : a0;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0, k = j.k; p < k; p++) {
            FloatVector bv = FloatVector.fromArray(S, bt, p * L);
            long pe = p * as1;
            c0 = FloatVector.broadcast(S, as.getAtIndex(E, a0 + pe)).fma(bv, c0);
            c1 = FloatVector.broadcast(S, as.getAtIndex(E, a1 + pe)).fma(bv, c1);
            c2 = FloatVector.broadcast(S, as.getAtIndex(E, a2 + pe)).fma(bv, c2);
            c3 = FloatVector.broadcast(S, as.getAtIndex(E, a3 + pe)).fma(bv, c3);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
    }

    private static void directTail(Job j, float[] tile, int i, int rows, int jj) {
        VectorMask<Float> mask = S.indexInRange(jj, j.n);
        MemorySegment as = nat(j.as), bs = nat(j.bs);
        long as0 = j.as0, as1 = j.as1, bs0 = j.bs0;
        long a0 = j.ao + i * as0;
        long a1 = rows > 1 ? a0 + as0 : a0, a2 = rows > 2 ? a0 + 2 * as0 : a0, a3 = rows > 3 ? a0 + 3 * as0 : a0;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        long be = j.bo + jj;
        for (int p = 0, k = j.k; p < k; p++, be += bs0) {
            FloatVector bv = FloatVector.fromMemorySegment(S, bs, be * ES, BO, mask);
            long pe = p * as1;
            c0 = FloatVector.broadcast(S, as.getAtIndex(E, a0 + pe)).fma(bv, c0);
            c1 = FloatVector.broadcast(S, as.getAtIndex(E, a1 + pe)).fma(bv, c1);
            c2 = FloatVector.broadcast(S, as.getAtIndex(E, a2 + pe)).fma(bv, c2);
            c3 = FloatVector.broadcast(S, as.getAtIndex(E, a3 + pe)).fma(bv, c3);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
    }

    /**
     * B's column tail [jj, n) (fewer than L columns) copied to this thread's {@code btail}, k rows of L floats with
     * zeros past n - jj, for {@link #directRows8Tail} and {@link #directTailCopy}: one full load per k step there, no
     * mask, at a constant scale.
     * Read in place instead, a masked load past B's segment end takes the JDK's checking path (a lane-by-lane index
     * check per load: at 40^3 the 4-row tail loop had 15% of the samples, the 2-vector loop 10%), and a loop that
     * switched from B to a copy of its last rows ran 6x slower than its FMAs (2000 x 100 x 5: 170 us, perf).
     */
    private static float[] tailCopy(Job j, Buffers buf, int jj) {
        int k = j.k, w = j.n - jj;
        if (buf.btail.length < k * L) buf.btail = new float[k * L];
        float[] dst = buf.btail;
        MemorySegment src = nat(j.bs);
        long e = j.bo + jj, bs0 = j.bs0, end = src.byteSize();
        VectorMask<Float> m = S.indexInRange(0, w);
        for (int p = 0; p < k; p++, e += bs0) {
            if (e >= 0 && (e + L) * ES <= end) {
                FloatVector.fromMemorySegment(S, src, e * ES, BO, m).intoArray(dst, p * L);
            } else {
                int c = 0;
                for (; c < w; c++) dst[p * L + c] = src.getAtIndex(E, e + c);
                for (; c < L; c++) dst[p * L + c] = 0f;
            }
        }
        return dst;
    }

    /**
     * As {@link #directRows8x1} over a heap copy of B whose rows are {@code bw} floats apart ({@link #tailCopy}'s
     * zero-padded column tail, bw = L; or all of a narrow B, bw = n, see {@link #directNarrow}), with whole vectors
     * stored in row order {@code dw} floats apart into {@code dst} (the tile buffer, or the narrow path's staging
     * rows).
     */
    private static void directRows8Tail(Job j, float[] ab, float[] bt, int bw, float[] dst, int dw) {
        int k = j.k, a0 = 0, a1 = k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k, a6 = a5 + k, a7 = a6 + k;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int p = 0; p < k; p++) {
            FloatVector bv = FloatVector.fromArray(S, bt, p * bw);
            c0 = FloatVector.broadcast(S, ab[a0 + p]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, ab[a1 + p]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, ab[a2 + p]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, ab[a3 + p]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, ab[a4 + p]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, ab[a5 + p]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, ab[a6 + p]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, ab[a7 + p]).fma(bv, c7);
        }
        c0.intoArray(dst, 0);
        c1.intoArray(dst, dw);
        c2.intoArray(dst, 2 * dw);
        c3.intoArray(dst, 3 * dw);
        c4.intoArray(dst, 4 * dw);
        c5.intoArray(dst, 5 * dw);
        c6.intoArray(dst, 6 * dw);
        c7.intoArray(dst, 7 * dw);
    }

    /**
     * As {@link #directRows8Tail} with two vectors of columns (16 accumulators), for {@link #directNarrow} when L < n
     * < 2L: B's rows {@code bw} floats apart in a heap copy, result rows {@code dw} floats apart in {@code dst}, each
     * row's two vectors stored in row order so that the next row's first store writes over the lanes past n.
     */
    private static void directRows8x2Stage(float[] ab, int k, float[] bt, int bw, float[] dst, int dw) {
        int a0 = 0, a1 = k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k, a6 = a5 + k, a7 = a6 + k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bt, p * bw);
            FloatVector b1 = FloatVector.fromArray(S, bt, p * bw + L);
            FloatVector a = FloatVector.broadcast(S, ab[a0 + p]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ab[a1 + p]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ab[a2 + p]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ab[a3 + p]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ab[a4 + p]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ab[a5 + p]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ab[a6 + p]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ab[a7 + p]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        c00.intoArray(dst, 0);
        c01.intoArray(dst, L);
        c10.intoArray(dst, dw);
        c11.intoArray(dst, dw + L);
        c20.intoArray(dst, 2 * dw);
        c21.intoArray(dst, 2 * dw + L);
        c30.intoArray(dst, 3 * dw);
        c31.intoArray(dst, 3 * dw + L);
        c40.intoArray(dst, 4 * dw);
        c41.intoArray(dst, 4 * dw + L);
        c50.intoArray(dst, 5 * dw);
        c51.intoArray(dst, 5 * dw + L);
        c60.intoArray(dst, 6 * dw);
        c61.intoArray(dst, 6 * dw + L);
        c70.intoArray(dst, 7 * dw);
        c71.intoArray(dst, 7 * dw + L);
    }

    /**
     * Rows [i, i + 8) of C, columns [jj, jj + 2L) (16 accumulators) stored straight to C, for c = a @ b of a
     * row-major A (unit column stride) when MR == 8 (see {@link #eightRows}), its rows from {@link #copyRows}'s heap
     * copy. A's index {@code a_r + p} is affine in
     * p at a constant scale, so C2 takes A's range checks out of the k loop (with {@code p * as1} it keeps a
     * compare-and-branch per broadcast: 127 against 160 GFLOPS at 64^3, session 9). One set of stores: with a second
     * one to the tile buffer (for other alpha/beta) this method parsed to ~33,000 nodes, past C2's inlining cutoff,
     * and its vectors boxed in some compilations; through the tile buffer alone 32^3 ran 0.63x OpenBLAS, 0.77x so.
     */
    private static void directRows8(Job j, float[] ab, int i, int jj) {
        MemorySegment bs = nat(j.bs), cs = nat(j.cs);
        long bs0 = j.bs0;
        int k = j.k, a0 = 0, a1 = k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k, a6 = a5 + k, a7 = a6 + k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        long be = j.bo + jj;
        for (int p = 0; p < k; p++, be += bs0) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bs, be * ES, BO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bs, (be + L) * ES, BO);
            FloatVector a = FloatVector.broadcast(S, ab[a0 + p]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ab[a1 + p]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ab[a2 + p]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ab[a3 + p]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ab[a4 + p]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ab[a5 + p]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ab[a6 + p]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ab[a7 + p]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        long c0 = (j.co + i * j.cs0 + jj) * ES, d = j.cs0 * ES, v = L * ES;
        c00.intoMemorySegment(cs, c0, BO);
        c01.intoMemorySegment(cs, c0 + v, BO);
        c10.intoMemorySegment(cs, c0 + d, BO);
        c11.intoMemorySegment(cs, c0 + d + v, BO);
        c20.intoMemorySegment(cs, c0 + 2 * d, BO);
        c21.intoMemorySegment(cs, c0 + 2 * d + v, BO);
        c30.intoMemorySegment(cs, c0 + 3 * d, BO);
        c31.intoMemorySegment(cs, c0 + 3 * d + v, BO);
        c40.intoMemorySegment(cs, c0 + 4 * d, BO);
        c41.intoMemorySegment(cs, c0 + 4 * d + v, BO);
        c50.intoMemorySegment(cs, c0 + 5 * d, BO);
        c51.intoMemorySegment(cs, c0 + 5 * d + v, BO);
        c60.intoMemorySegment(cs, c0 + 6 * d, BO);
        c61.intoMemorySegment(cs, c0 + 6 * d + v, BO);
        c70.intoMemorySegment(cs, c0 + 7 * d, BO);
        c71.intoMemorySegment(cs, c0 + 7 * d + v, BO);
    }

    /**
     * As {@link #directRows8}, with the 8 rows of A packed p-major (row r of step p at a8[8p + r], see {@link #direct}'s
     * transposed-A blocks): every A index is p times a constant, so its range checks leave the loop.
     */
    private static void directRows8P(Job j, float[] a8, int i, int jj) {
        MemorySegment bs = nat(j.bs), cs = nat(j.cs);
        long bs0 = j.bs0;
        int k = j.k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        long be = j.bo + jj;
        for (int p = 0; p < k; p++, be += bs0) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bs, be * ES, BO);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bs, (be + L) * ES, BO);
            int aq = 8 * p;
            FloatVector a = FloatVector.broadcast(S, a8[aq]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, a8[aq + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, a8[aq + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, a8[aq + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, a8[aq + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, a8[aq + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, a8[aq + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, a8[aq + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        long c0 = (j.co + i * j.cs0 + jj) * ES, d = j.cs0 * ES, v = L * ES;
        c00.intoMemorySegment(cs, c0, BO);
        c01.intoMemorySegment(cs, c0 + v, BO);
        c10.intoMemorySegment(cs, c0 + d, BO);
        c11.intoMemorySegment(cs, c0 + d + v, BO);
        c20.intoMemorySegment(cs, c0 + 2 * d, BO);
        c21.intoMemorySegment(cs, c0 + 2 * d + v, BO);
        c30.intoMemorySegment(cs, c0 + 3 * d, BO);
        c31.intoMemorySegment(cs, c0 + 3 * d + v, BO);
        c40.intoMemorySegment(cs, c0 + 4 * d, BO);
        c41.intoMemorySegment(cs, c0 + 4 * d + v, BO);
        c50.intoMemorySegment(cs, c0 + 5 * d, BO);
        c51.intoMemorySegment(cs, c0 + 5 * d + v, BO);
        c60.intoMemorySegment(cs, c0 + 6 * d, BO);
        c61.intoMemorySegment(cs, c0 + 6 * d + v, BO);
        c70.intoMemorySegment(cs, c0 + 7 * d, BO);
        c71.intoMemorySegment(cs, c0 + 7 * d + v, BO);
    }

    /** As {@link #directRows8} for the one vector of columns at jj (8 accumulators). */
    private static void directRows8x1(Job j, float[] ab, int i, int jj) {
        MemorySegment bs = nat(j.bs), cs = nat(j.cs);
        long bs0 = j.bs0;
        int k = j.k, a0 = 0, a1 = k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k, a6 = a5 + k, a7 = a6 + k;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        long be = j.bo + jj;
        for (int p = 0; p < k; p++, be += bs0) {
            FloatVector bv = FloatVector.fromMemorySegment(S, bs, be * ES, BO);
            c0 = FloatVector.broadcast(S, ab[a0 + p]).fma(bv, c0);
            c1 = FloatVector.broadcast(S, ab[a1 + p]).fma(bv, c1);
            c2 = FloatVector.broadcast(S, ab[a2 + p]).fma(bv, c2);
            c3 = FloatVector.broadcast(S, ab[a3 + p]).fma(bv, c3);
            c4 = FloatVector.broadcast(S, ab[a4 + p]).fma(bv, c4);
            c5 = FloatVector.broadcast(S, ab[a5 + p]).fma(bv, c5);
            c6 = FloatVector.broadcast(S, ab[a6 + p]).fma(bv, c6);
            c7 = FloatVector.broadcast(S, ab[a7 + p]).fma(bv, c7);
        }
        long o = (j.co + i * j.cs0 + jj) * ES, d = j.cs0 * ES;
        c0.intoMemorySegment(cs, o, BO);
        c1.intoMemorySegment(cs, o + d, BO);
        c2.intoMemorySegment(cs, o + 2 * d, BO);
        c3.intoMemorySegment(cs, o + 3 * d, BO);
        c4.intoMemorySegment(cs, o + 4 * d, BO);
        c5.intoMemorySegment(cs, o + 5 * d, BO);
        c6.intoMemorySegment(cs, o + 6 * d, BO);
        c7.intoMemorySegment(cs, o + 7 * d, BO);
    }

    /** C[i .. i+rows, jj .. jj+width] = alpha * tile + beta * C (beta == 0: C not read); tile rows NR apart. */
    private static void directFlush(Job j, float[] tile, int i, int rows, int jj, int width) {
        MemorySegment cs = nat(j.cs);
        long cs0 = j.cs0;
        float alpha = j.alpha, beta = j.beta;
        for (int r = 0; r < rows; r++) {
            long ce = j.co + (i + r) * cs0 + jj;
            int t = r * NR, c = 0;
            for (; c + L <= width; c += L) { // two stores, not one after a merge: see kernel()'s flush
                long off = (ce + c) * ES;
                FloatVector v = FloatVector.fromArray(S, tile, t + c).mul(alpha);
                if (beta == 0) {
                    v.intoMemorySegment(cs, off, BO);
                } else {
                    FloatVector.fromMemorySegment(S, cs, off, BO).fma(FloatVector.broadcast(S, beta), v)
                            .intoMemorySegment(cs, off, BO);
                }
            }
            if (c < width && (ce + c + L) * ES <= cs.byteSize()) {
                // The row's last columns as one masked store where a full vector stays inside C's segment (past
                // its end the JDK's masked store takes a checking path; the scalar loop below does those). One
                // masked store after the beta branch (once per row): a second one (~2,700 C2 nodes) took this method
                // past C2's inlining cutoff, with the Vector API calls after it inlined late (see VMath "ranges").
                VectorMask<Float> m = S.indexInRange(c, width);
                long off = (ce + c) * ES;
                FloatVector v = FloatVector.fromArray(S, tile, t + c).mul(alpha);
                if (beta != 0) v = FloatVector.fromMemorySegment(S, cs, off, BO, m).fma(FloatVector.broadcast(S, beta), v);
                v.intoMemorySegment(cs, off, BO, m);
                continue;
            }
            for (; c < width; c++) {
                long e = ce + c;
                float v = alpha * tile[t + c];
                if (beta != 0) v = Math.fma(beta, cs.getAtIndex(E, e), v);
                cs.setAtIndex(E, e, v);
            }
        }
    }

    // ------------------------------------------------------------------ blocked path (packing + microkernel)

    /**
     * The output rows [i0, i1), all columns, from the packed copy of B in {@code j.bfull}. Loops: ic over MC
     * rows (pack that MC x k panel of A once), jc over NC2 columns, pc over KC of k, jr over NR slivers of B,
     * ir over MR slivers of A. The MC x NC2 block of C stays in L2 for its whole k loop (the BLIS order reads
     * and writes all of C from L3 or memory once per k block, and a miss on a Java load stalls retirement:
     * Java has no prefetch). With two threads both read the one packed B and each packs only its rows of A.
     */
    static void prepacked(Job j, Buffers buf, int i0, int i1) {
        int k = j.k, n = j.n, nPad = j.nPad;
        float[] bp = j.bfull;
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic), mcPad = (mc + MR - 1) / MR * MR;
            if (buf.apanel.length < mcPad * k) buf.apanel = new float[MC * k];
            float[] ap = buf.apanel;
            for (int pc = 0; pc < k; pc += KC) packA(j, ap, pc * mcPad, ic, mc, pc, Math.min(KC, k - pc));
            for (int jc = 0; jc < n; jc += NC2) {
                int nc = Math.min(NC2, n - jc);
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    float betaEff = pc == 0 ? j.beta : 1f;
                    int aBase = pc * mcPad, bBase = pc * nPad;
                    for (int jr = jc; jr < jc + nc; jr += NR) {
                        int nr = Math.min(NR, n - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            kernel(ap, aBase + ir * kc, bp, bBase + jr * kc, kc, j, buf.tile, ic + ir, mr, jr, nr,
                                    j.alpha, betaEff);
                        }
                    }
                }
            }
        }
    }

    /** The output block rows [i0, i1) x columns [j0, j1), all of k. */
    static void blocked(Job j, Buffers buf, int i0, int i1, int j0, int j1) {
        int k = j.k;
        float[] ap = buf.ap, bp = buf.bp;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaEff = pc == 0 ? j.beta : 1f;
                packB(j, bp, 0, pc, kc, jc, nc);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(j, ap, 0, ic, mc, pc, kc);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            kernel(ap, ir * kc, bp, jr * kc, kc, j, buf.tile, ic + ir, mr, jc + jr, nr,
                                    j.alpha, betaEff);
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs A[i0 .. i0+mc, p0 .. p0+kc] into MR-row slivers from {@code dst} on, p-major inside a sliver; pads
     * rows with 0.
     */
    private static void packA(Job j, float[] ap, int dst, int i0, int mc, int p0, int kc) {
        MemorySegment as = nat(j.as);
        long as0 = j.as0, as1 = j.as1;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            long base = j.ao + (i0 + ir) * as0 + p0 * as1;
            if (mr == MR && as1 == 1 && (L == 8 && MR == 4 || L == 16 && MR == 8) && vectorPack) {
                // Row-major A: MR rows x L elements interleaved in registers per step
                int p = 0;
                for (; p + L <= kc; p += L) {
                    if (MR == 4) interleave4(as, base + p, as0, ap, dst + p * MR);
                    else interleave8(as, base + p, as0, ap, dst + p * MR);
                }
                for (; p < kc; p++) {
                    for (int r = 0; r < MR; r++) ap[dst + p * MR + r] = as.getAtIndex(E, base + r * as0 + p);
                }
            } else if (mr == MR && as1 == 1) {
                // Row-major A: read each row's run once (six streams), write interleaved.
                for (int r = 0; r < MR; r++) {
                    long e = base + r * as0;
                    for (int p = 0; p < kc; p++) ap[dst + p * MR + r] = as.getAtIndex(E, e + p);
                }
            } else if (as0 == 1 && L == 2 * MR && mc - ir >= 2 * MR && vectorPack) {
                // A transposed (x^T @ dY, a weight gradient): column p of 2 slivers' rows is one vector, its halves
                // stored to each sliver (masked stores inside the buffer).
                int d1 = dst + MR * kc;
                for (int p = 0; p < kc; p++) {
                    FloatVector v = FloatVector.fromMemorySegment(S, as, (base + p * as1) * ES, BO);
                    v.intoArray(ap, dst + p * MR, LOW_HALF);
                    v.intoArray(ap, d1 + (p - 1) * MR, HIGH_HALF);
                }
                dst += 2 * MR * kc;
                ir += MR;
                continue;
            } else if (as0 == 1 && L == 2 * MR && vectorPack) {
                // The same for the last rows, fewer than 2 slivers (all 9 rows of 9 x 21632 x 32:TN, the benchmark
                // plan's conv weight-gradient product): the rows past mc read as 0 through the load's mask, which is the
                // slivers' padding. Element by element this took about 2.5x the kernels' time there (perf). Kept apart
                // from the branch above: the masked load there made 5408x32x64:TN 1.21x -> 1.10x OpenBLAS.
                int rows = mc - ir, d1 = dst + MR * kc;
                VectorMask<Float> live = S.indexInRange(0, rows);
                for (int p = 0; p < kc; p++) {
                    FloatVector v = FloatVector.fromMemorySegment(S, as, (base + p * as1) * ES, BO, live);
                    v.intoArray(ap, dst + p * MR, LOW_HALF);
                    if (rows > MR) v.intoArray(ap, d1 + (p - 1) * MR, HIGH_HALF);
                }
                if (rows > MR) {
                    dst += MR * kc;
                    ir += MR;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    long e = base + p * as1;
                    int d = dst + p * MR;
                    int r = 0;
                    for (; r < mr; r++) ap[d + r] = as.getAtIndex(E, e + r * as0);
                    for (; r < MR; r++) ap[d + r] = 0f;
                }
            }
            dst += MR * kc;
        }
    }

    /**
     * Packs B[p0 .. p0+kc, j0 .. j0+nc] into NR-column slivers from {@code dst} on, p-major inside a sliver;
     * pads with 0.
     */
    private static void packB(Job j, float[] bp, int dst, int p0, int kc, int j0, int nc) {
        MemorySegment bs = nat(j.bs);
        long bs0 = j.bs0, bs1 = j.bs1;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            long base = j.bo + p0 * bs0 + (j0 + jr) * bs1;
            if (nr == NR && bs1 == 1) {
                // Two vector loads per row: 2.2x the rate of a MemorySegment.copy of 16 floats (measured alone).
                for (int p = 0; p < kc; p++) {
                    long off = (base + p * bs0) * ES;
                    int d = dst + p * NR;
                    FloatVector.fromMemorySegment(S, bs, off, BO).intoArray(bp, d);
                    FloatVector.fromMemorySegment(S, bs, off + L * ES, BO).intoArray(bp, d + L);
                }
            } else if (nr == NR && bs0 == 1 && L == 8 && vectorPack) {
                // B^T rows contiguous along k (x @ W^T, W [out, in] row-major): 8 x 8 blocks transposed in registers
                int p = 0;
                for (; p + L <= kc; p += L) {
                    transpose8(bs, base + p, bs1, bp, dst + p * NR);
                    transpose8(bs, base + L * bs1 + p, bs1, bp, dst + p * NR + L);
                }
                for (; p < kc; p++) {
                    int d = dst + p * NR;
                    for (int c = 0; c < NR; c++) bp[d + c] = bs.getAtIndex(E, base + p + c * bs1);
                }
            } else if (nr == NR && bs0 == 1 && L == 16 && vectorPack) {
                // The same at 16 lanes: 16 x 16 blocks (x @ W^T, the dense layer's forward).
                int p = 0;
                MemorySegment t16 = TRANSPOSE16.get();
                for (; p + L <= kc; p += L) {
                    transpose16(bs, base + p, bs1, bp, dst + p * NR, NR, t16);
                    transpose16(bs, base + L * bs1 + p, bs1, bp, dst + p * NR + L, NR, t16);
                }
                for (; p < kc; p++) {
                    int d = dst + p * NR;
                    for (int c = 0; c < NR; c++) bp[d + c] = bs.getAtIndex(E, base + p + c * bs1);
                }
            } else if (nr == NR && bs0 == 1) {
                // k contiguous, other widths than 8 and 16: each B^T row read along k (one stream), written down a
                // column of the L1-resident panel; the p-outer order read NR rows at once, a cache line each per
                // element.
                for (int c = 0; c < NR; c++) {
                    long e = base + c * bs1;
                    for (int p = 0; p < kc; p++) bp[dst + p * NR + c] = bs.getAtIndex(E, e + p);
                }
            } else if (nr == NR) {
                for (int p = 0; p < kc; p++) {
                    long e = base + p * bs0;
                    int d = dst + p * NR;
                    for (int c = 0; c < NR; c++) bp[d + c] = bs.getAtIndex(E, e + c * bs1);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    long e = base + p * bs0;
                    int d = dst + p * NR;
                    int c = 0;
                    for (; c < nr; c++) bp[d + c] = bs.getAtIndex(E, e + c * bs1);
                    for (; c < NR; c++) bp[d + c] = 0f;
                }
            }
            dst += NR * kc;
        }
    }

    /**
     * Package-private and mutable so tests and benchmarks can compare {@link #transpose8} and {@link #interleave4} with
     * the element-wise copies.
     */
    static boolean vectorPack = true;

    /**
     * Lane i of a swapped vector is lane i ^ h; the masks select the lanes with bit 2, 1, 0 of the index set (for
     * L == 8: {@link #transpose8} and GemvF32's lane folding; SWAP8 for GemvF32's 16-lane folds and, with all four,
     * {@link #transpose16}).
     */
    static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);
    static final VectorMask<Float> BIT2 = VectorMask.fromLong(S, 0xF0), BIT1 = VectorMask.fromLong(S, 0xCC),
            BIT0 = VectorMask.fromLong(S, 0xAA);

    private static VectorShuffle<Float> swap(int h) { return VectorShuffle.fromOp(S, i -> (i ^ h) & (L - 1)); }

    /**
     * L == 8 only: the 8 x 8 block whose row r is the 8 elements at element {@code e + r * stride} of {@code s} goes to
     * {@code bp} transposed, its column q (element q of every row) as the 8 floats at {@code d + q * NR}. A butterfly
     * in three steps (exchange the 4-, 2-, 1-lane halves of row pairs 4, 2, 1 apart: a one-vector shuffle and a
     * blend per vector and step): 24 shuffles and 24 blends for 64 elements.
     */
    private static void transpose8(MemorySegment s, long e, long stride, float[] bp, int d) {
        s = nat(s); // see NativeSegments
        FloatVector r0 = FloatVector.fromMemorySegment(S, s, e * ES, BO), r1 = FloatVector.fromMemorySegment(S, s, (e + stride) * ES, BO);
        FloatVector r2 = FloatVector.fromMemorySegment(S, s, (e + 2 * stride) * ES, BO), r3 = FloatVector.fromMemorySegment(S, s, (e + 3 * stride) * ES, BO);
        FloatVector r4 = FloatVector.fromMemorySegment(S, s, (e + 4 * stride) * ES, BO), r5 = FloatVector.fromMemorySegment(S, s, (e + 5 * stride) * ES, BO);
        FloatVector r6 = FloatVector.fromMemorySegment(S, s, (e + 6 * stride) * ES, BO), r7 = FloatVector.fromMemorySegment(S, s, (e + 7 * stride) * ES, BO);
        FloatVector t0 = r0.blend(r4.rearrange(SWAP4), BIT2), t4 = r0.rearrange(SWAP4).blend(r4, BIT2);
        FloatVector t1 = r1.blend(r5.rearrange(SWAP4), BIT2), t5 = r1.rearrange(SWAP4).blend(r5, BIT2);
        FloatVector t2 = r2.blend(r6.rearrange(SWAP4), BIT2), t6 = r2.rearrange(SWAP4).blend(r6, BIT2);
        FloatVector t3 = r3.blend(r7.rearrange(SWAP4), BIT2), t7 = r3.rearrange(SWAP4).blend(r7, BIT2);
        FloatVector u0 = t0.blend(t2.rearrange(SWAP2), BIT1), u2 = t0.rearrange(SWAP2).blend(t2, BIT1);
        FloatVector u1 = t1.blend(t3.rearrange(SWAP2), BIT1), u3 = t1.rearrange(SWAP2).blend(t3, BIT1);
        FloatVector u4 = t4.blend(t6.rearrange(SWAP2), BIT1), u6 = t4.rearrange(SWAP2).blend(t6, BIT1);
        FloatVector u5 = t5.blend(t7.rearrange(SWAP2), BIT1), u7 = t5.rearrange(SWAP2).blend(t7, BIT1);
        u0.blend(u1.rearrange(SWAP1), BIT0).intoArray(bp, d);
        u0.rearrange(SWAP1).blend(u1, BIT0).intoArray(bp, d + NR);
        u2.blend(u3.rearrange(SWAP1), BIT0).intoArray(bp, d + 2 * NR);
        u2.rearrange(SWAP1).blend(u3, BIT0).intoArray(bp, d + 3 * NR);
        u4.blend(u5.rearrange(SWAP1), BIT0).intoArray(bp, d + 4 * NR);
        u4.rearrange(SWAP1).blend(u5, BIT0).intoArray(bp, d + 5 * NR);
        u6.blend(u7.rearrange(SWAP1), BIT0).intoArray(bp, d + 6 * NR);
        u6.rearrange(SWAP1).blend(u7, BIT0).intoArray(bp, d + 7 * NR);
    }

    /** The first and the second half of the lanes (for {@link #packA}'s transposed A). */
    static final VectorMask<Float> LOW_HALF = VectorMask.fromLong(S, (1L << L / 2) - 1),
            HIGH_HALF = VectorMask.fromLong(S, ((1L << L / 2) - 1) << L / 2);

    /** Lanes with bit 3, 2, 1, 0 of the index set, for {@link #transpose16} (L == 16 only). */
    static final VectorMask<Float> LANES8 = VectorMask.fromLong(S, 0xFF00), LANES4 = VectorMask.fromLong(S, 0xF0F0),
            LANES2 = VectorMask.fromLong(S, 0xCCCC), LANES1 = VectorMask.fromLong(S, 0xAAAA);

    /**
     * Per-thread 16 x 16 floats between {@link #transpose16}'s two halves (fetch once per packing call): off-heap and
     * 64-byte aligned, so no vector there splits a cache line (on a heap array every one did, and the packing of
     * 32x784x128:NT took a quarter longer).
     */
    static final ThreadLocal<MemorySegment> TRANSPOSE16 = ThreadLocal.withInitial(() -> java.lang.foreign.Arena.ofAuto().allocate((long) L * L * ES, 64));

    /**
     * L == 16 only: as {@link #transpose8} for a 16 x 16 block, its output rows {@code ds} floats apart, in four
     * butterfly steps (rows 1, 2, 4, 8 apart exchange their 1-, 2-, 4-, 8-lane halves, a one-vector shuffle and a blend
     * per vector and step; the steps commute, each swaps one bit of the row index with the same bit of the lane index).
     * Steps 1 and 2 stay within groups of 4 rows, 4 and 8 within the rows of equal index mod 4, so each half is a loop
     * over 4 groups with t in between: written out flat (16 vectors, a shuffle and a blend per vector and step) this
     * method parsed to 22,000-43,000 C2 nodes, past the inlining cutoff (see VMath "ranges").
     */
    private static void transpose16(MemorySegment s, long e, long stride, float[] bp, int d, int ds, MemorySegment t) {
        s = nat(s); // see NativeSegments
        t = nat(t);
        for (int g = 0; g < L; g += 4) {
            FloatVector r0 = FloatVector.fromMemorySegment(S, s, (e + g * stride) * ES, BO);
            FloatVector r1 = FloatVector.fromMemorySegment(S, s, (e + (g + 1) * stride) * ES, BO);
            FloatVector r2 = FloatVector.fromMemorySegment(S, s, (e + (g + 2) * stride) * ES, BO);
            FloatVector r3 = FloatVector.fromMemorySegment(S, s, (e + (g + 3) * stride) * ES, BO);
            FloatVector a0 = r0.blend(r2.rearrange(SWAP2), LANES2), a2 = r0.rearrange(SWAP2).blend(r2, LANES2);
            FloatVector a1 = r1.blend(r3.rearrange(SWAP2), LANES2), a3 = r1.rearrange(SWAP2).blend(r3, LANES2);
            a0.blend(a1.rearrange(SWAP1), LANES1).intoMemorySegment(t, g * L * ES, BO);
            a0.rearrange(SWAP1).blend(a1, LANES1).intoMemorySegment(t, (g + 1) * L * ES, BO);
            a2.blend(a3.rearrange(SWAP1), LANES1).intoMemorySegment(t, (g + 2) * L * ES, BO);
            a2.rearrange(SWAP1).blend(a3, LANES1).intoMemorySegment(t, (g + 3) * L * ES, BO);
        }
        for (int q = 0; q < 4; q++) {
            FloatVector r0 = FloatVector.fromMemorySegment(S, t, q * L * ES, BO), r4 = FloatVector.fromMemorySegment(S, t, (q + 4) * L * ES, BO);
            FloatVector r8 = FloatVector.fromMemorySegment(S, t, (q + 8) * L * ES, BO), r12 = FloatVector.fromMemorySegment(S, t, (q + 12) * L * ES, BO);
            FloatVector a0 = r0.blend(r8.rearrange(SWAP8), LANES8), a8 = r0.rearrange(SWAP8).blend(r8, LANES8);
            FloatVector a4 = r4.blend(r12.rearrange(SWAP8), LANES8), a12 = r4.rearrange(SWAP8).blend(r12, LANES8);
            a0.blend(a4.rearrange(SWAP4), LANES4).intoArray(bp, d + q * ds);
            a0.rearrange(SWAP4).blend(a4, LANES4).intoArray(bp, d + (q + 4) * ds);
            a8.blend(a12.rearrange(SWAP4), LANES4).intoArray(bp, d + (q + 8) * ds);
            a8.rearrange(SWAP4).blend(a12, LANES4).intoArray(bp, d + (q + 12) * ds);
        }
    }

    /** Lane (r1 r0 b0) to lane (b0 r1 r0): the last step of {@link #interleave4}. */
    private static final VectorShuffle<Float> ROTATE3 = VectorShuffle.fromOp(S, n -> (((n >> 1) & 1) << 2 | (n & 1) << 1 | (n >> 2) & 1) & (L - 1));

    /**
     * L == 8 and MR == 4 only: the 4 rows of 8 elements at element {@code e + r * stride} of {@code s} go to {@code ap}
     * interleaved as the packed A sliver stores them (element p of rows 0-3, then element p + 1, ...: 32 floats from
     * {@code d}). Rows 2 apart exchange their 4-lane halves, rows 1 apart their lane pairs (a one-vector shuffle and a
     * blend per vector and step), then one shuffle per vector puts the lanes in order.
     */
    private static void interleave4(MemorySegment s, long e, long stride, float[] ap, int d) {
        s = nat(s); // see NativeSegments
        FloatVector r0 = FloatVector.fromMemorySegment(S, s, e * ES, BO), r1 = FloatVector.fromMemorySegment(S, s, (e + stride) * ES, BO);
        FloatVector r2 = FloatVector.fromMemorySegment(S, s, (e + 2 * stride) * ES, BO), r3 = FloatVector.fromMemorySegment(S, s, (e + 3 * stride) * ES, BO);
        FloatVector t0 = r0.blend(r2.rearrange(SWAP4), BIT2), t2 = r0.rearrange(SWAP4).blend(r2, BIT2);
        FloatVector t1 = r1.blend(r3.rearrange(SWAP4), BIT2), t3 = r1.rearrange(SWAP4).blend(r3, BIT2);
        t0.blend(t1.rearrange(SWAP2), BIT1).rearrange(ROTATE3).intoArray(ap, d);
        t0.rearrange(SWAP2).blend(t1, BIT1).rearrange(ROTATE3).intoArray(ap, d + 2 * MR);
        t2.blend(t3.rearrange(SWAP2), BIT1).rearrange(ROTATE3).intoArray(ap, d + 4 * MR);
        t2.rearrange(SWAP2).blend(t3, BIT1).rearrange(ROTATE3).intoArray(ap, d + 6 * MR);
    }

    /**
     * {@link #interleave8}'s lane indexes, two per level ({@code index.selectFrom(a, b)}: lane i is lane index[i] of the
     * concatenation [a, b]). Level 1 pairs rows 4 apart, level 2 rows 2 apart, level 3 rows 1 apart; each takes one
     * bit of the row index into the lanes and puts one bit of p into which output it makes (see interleave8).
     */
    private static final FloatVector IL1_0 = laneIndex(l -> (l & 1) * 16 + (l >> 1)),
            IL1_1 = laneIndex(l -> (l & 1) * 16 + 8 + (l >> 1)),
            IL2_0 = laneIndex(l -> (l & 1) * 16 + (l >> 2) * 2 + (l >> 1 & 1)),
            IL2_1 = laneIndex(l -> (l & 1) * 16 + (4 | l >> 2) * 2 + (l >> 1 & 1)),
            IL3_0 = laneIndex(l -> (l & 1) * 16 + (l >> 3) * 4 + (l >> 1 & 3)),
            IL3_1 = laneIndex(l -> (l & 1) * 16 + (2 | l >> 3) * 4 + (l >> 1 & 3));

    /** A vector of lane indexes for the two-vector selectFrom, wrapped to [0, 2L) (the formulas above are for L == 16). */
    private static FloatVector laneIndex(java.util.function.IntUnaryOperator f) {
        float[] v = new float[L];
        for (int l = 0; l < L; l++) v[l] = f.applyAsInt(l) & (2 * L - 1);
        return FloatVector.fromArray(S, v, 0);
    }

    /**
     * L == 16 and MR == 8 only: the 8 rows of 16 elements at element {@code e + r * stride} of {@code s} go to {@code ap}
     * as the packed A sliver stores them (element p of rows 0-7 at {@code d + 8p}). Row r, lane p: three levels of
     * two-vector selects (one vpermt2ps each), 24 for 128 floats, instead of a load and a store per element. Level 1
     * makes X[r][h] (r < 4, h = bit 3 of p) with lanes (p mod 8, bit 2 of the row) from rows r and r + 4; level 2 makes
     * Y[r0][h][g] (g = bit 2 of p) with lanes (p mod 4, row bits 2 and 1); level 3 the output with lanes (bit 0 of p,
     * row bits 2, 1, 0), that is steps 2q and 2q + 1, q = (h, g, f) with f = bit 1 of p.
     */
    private static void interleave8(MemorySegment s, long e, long stride, float[] ap, int d) {
        s = nat(s); // see NativeSegments
        FloatVector r0 = FloatVector.fromMemorySegment(S, s, e * ES, BO), r1 = FloatVector.fromMemorySegment(S, s, (e + stride) * ES, BO);
        FloatVector r2 = FloatVector.fromMemorySegment(S, s, (e + 2 * stride) * ES, BO), r3 = FloatVector.fromMemorySegment(S, s, (e + 3 * stride) * ES, BO);
        FloatVector r4 = FloatVector.fromMemorySegment(S, s, (e + 4 * stride) * ES, BO), r5 = FloatVector.fromMemorySegment(S, s, (e + 5 * stride) * ES, BO);
        FloatVector r6 = FloatVector.fromMemorySegment(S, s, (e + 6 * stride) * ES, BO), r7 = FloatVector.fromMemorySegment(S, s, (e + 7 * stride) * ES, BO);
        FloatVector x00 = IL1_0.selectFrom(r0, r4), x01 = IL1_1.selectFrom(r0, r4), x10 = IL1_0.selectFrom(r1, r5), x11 = IL1_1.selectFrom(r1, r5);
        FloatVector x20 = IL1_0.selectFrom(r2, r6), x21 = IL1_1.selectFrom(r2, r6), x30 = IL1_0.selectFrom(r3, r7), x31 = IL1_1.selectFrom(r3, r7);
        // y[r0][h][g]
        FloatVector y000 = IL2_0.selectFrom(x00, x20), y001 = IL2_1.selectFrom(x00, x20), y100 = IL2_0.selectFrom(x10, x30), y101 = IL2_1.selectFrom(x10, x30);
        FloatVector y010 = IL2_0.selectFrom(x01, x21), y011 = IL2_1.selectFrom(x01, x21), y110 = IL2_0.selectFrom(x11, x31), y111 = IL2_1.selectFrom(x11, x31);
        IL3_0.selectFrom(y000, y100).intoArray(ap, d);
        IL3_1.selectFrom(y000, y100).intoArray(ap, d + L);
        IL3_0.selectFrom(y001, y101).intoArray(ap, d + 2 * L);
        IL3_1.selectFrom(y001, y101).intoArray(ap, d + 3 * L);
        IL3_0.selectFrom(y010, y110).intoArray(ap, d + 4 * L);
        IL3_1.selectFrom(y010, y110).intoArray(ap, d + 5 * L);
        IL3_0.selectFrom(y011, y111).intoArray(ap, d + 6 * L);
        IL3_1.selectFrom(y011, y111).intoArray(ap, d + 7 * L);
    }

    /**
     * The MR x NR register tile over kc, then C[i, j] = alpha * acc + beta * C (beta == 0: C is not read). A full
     * 8-row tile with unit column stride, alpha 1 and beta 0 or 1 (every k block of c = a @ b) runs {@link #tile8C},
     * which starts from C and stores to it; other full tiles store from the tile buffer with vectors, the rest element
     * by element.
     */
    private static void kernel(float[] ap, int ai, float[] bp, int bi, int kc, Job j, float[] tile,
                               int i, int mr, int jj, int nr, float alpha, float beta) {
        MemorySegment cs = nat(j.cs);
        long cs0 = j.cs0, cs1 = j.cs1;
        long ce = j.co + i * cs0 + jj * cs1;
        boolean fast = mr == MR && nr == NR && cs1 == 1;
        if (MR == 8 && fast && alpha == 1 && (beta == 0 || beta == 1)) {
            // Accumulators start from C (or from zeros) and go straight back to C: no round trip through the tile
            // buffer, no alpha multiply, and no touch (1024^3: 0.93-0.97x OpenBLAS without it, 0.92-0.94x with;
            // 2048^3: 0.91-0.94x against 0.85-0.91x). 1 thread, interleaved: 512^3 0.91-0.93x -> 0.94-0.97x,
            // 1024^3 0.89-0.91x -> 0.86-0.94x, 2048^3 0.84-0.90x -> 0.89-0.94x.
            long c0 = ce * ES, d = cs0 * ES;
            if (beta == 0) tile8C(ap, ai, bp, bi, kc, ZEROS, 0, 0, cs, c0, d);
            else tile8C(ap, ai, bp, bi, kc, cs, c0, d, cs, c0, d);
            return;
        }
        // Touch the C tile's cache lines now (first and last element of each row) so their misses overlap the
        // k loop instead of stalling the store at the end: Java has no prefetch instruction. The sum is kept
        // in the tile buffer's spare slot so the loads stay live. At n >= 1024 (C beyond L2) this measured
        // ~15-30% faster; the loads are 2 * MR per 2 * MR * NR * kc flops.
        float touch = 0;
        if (fast) {
            for (int r = 0; r < MR; r++) touch += cs.getAtIndex(E, ce + r * cs0) + cs.getAtIndex(E, ce + r * cs0 + NR - 1);
        }
        if (MR == 8) tile8(ap, ai, bp, bi, kc, tile);
        else tile4(ap, ai, bp, bi, kc, tile);
        tile[MR * NR] = touch;
        if (fast) {
            // Two loops, not one with {@code if (beta != 0) r = c.fma(vb, r)}: a vector merged from two branches
            // compiled to code that made every call with beta != 0 (every k block after the first) ~30% slower
            // at n = 1024, k = 256 (interleaved with OpenBLAS: 0.69x with beta = 1 against 0.90x with beta = 0).
            FloatVector va = FloatVector.broadcast(S, alpha);
            if (beta == 0) {
                for (int t = 0; t < MR * NR; t += L) {
                    long off = (ce + (t / NR) * cs0 + (t % NR)) * ES;
                    FloatVector.fromArray(S, tile, t).mul(va).intoMemorySegment(cs, off, BO);
                }
            } else {
                FloatVector vb = FloatVector.broadcast(S, beta);
                for (int t = 0; t < MR * NR; t += L) {
                    long off = (ce + (t / NR) * cs0 + (t % NR)) * ES;
                    FloatVector.fromMemorySegment(S, cs, off, BO).fma(vb, FloatVector.fromArray(S, tile, t).mul(va))
                            .intoMemorySegment(cs, off, BO);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            for (int c = 0; c < nr; c++) {
                long e = ce + r * cs0 + c * cs1;
                float v = alpha * tile[r * NR + c];
                if (beta != 0) v += beta * cs.getAtIndex(E, e);
                cs.setAtIndex(E, e, v);
            }
        }
    }

    /**
     * The 4 x 2-vector register tile over kc (8 accumulators) into tile[r * NR + c]: through the tile buffer (L1),
     * since eight inlined register-to-C epilogues overflowed C2's inlining budget and the last ones boxed their
     * vectors (128 B per call); one small loop compiles cleanly.
     */
    private static void tile4(float[] ap, int ai, float[] bp, int bi, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00;
        // Indices are affine in p (not separately incremented) so C2 can hoist the range checks.
        for (int p = 0; p < kc; p++) {
            int bq = bi + p * NR, aq = ai + p * 4;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq);
            FloatVector b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector a = FloatVector.broadcast(S, ap[aq]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
    }

    /** Two vectors of zeros: {@link #tile8C}'s starting values for beta == 0, read with row stride 0. */
    private static final MemorySegment ZEROS = Arena.global().allocate(2 * L * ES, 64);

    /**
     * As {@link #tile8}, but the accumulators start from {@code src} (rows {@code sd} bytes apart from byte
     * {@code s0}: C itself for beta == 1, {@link #ZEROS} with sd = 0 for beta == 0) and end in C (rows {@code d}
     * bytes apart from byte {@code c0}), for alpha == 1 and a full tile with unit column stride. One set of loads
     * and one of stores, as every kernel here (see {@link #directRows8}); the source is chosen by the caller, not by
     * a branch in here.
     */
    private static void tile8C(float[] ap, int ai, float[] bp, int bi, int kc, MemorySegment src, long s0, long sd,
                               MemorySegment cs, long c0, long d) {
        src = nat(src); // see NativeSegments
        cs = nat(cs);
        long v = L * ES;
        FloatVector c00 = FloatVector.fromMemorySegment(S, src, s0, BO),
                c01 = FloatVector.fromMemorySegment(S, src, s0 + v, BO),
                c10 = FloatVector.fromMemorySegment(S, src, s0 + sd, BO),
                c11 = FloatVector.fromMemorySegment(S, src, s0 + sd + v, BO),
                c20 = FloatVector.fromMemorySegment(S, src, s0 + 2 * sd, BO),
                c21 = FloatVector.fromMemorySegment(S, src, s0 + 2 * sd + v, BO),
                c30 = FloatVector.fromMemorySegment(S, src, s0 + 3 * sd, BO),
                c31 = FloatVector.fromMemorySegment(S, src, s0 + 3 * sd + v, BO),
                c40 = FloatVector.fromMemorySegment(S, src, s0 + 4 * sd, BO),
                c41 = FloatVector.fromMemorySegment(S, src, s0 + 4 * sd + v, BO),
                c50 = FloatVector.fromMemorySegment(S, src, s0 + 5 * sd, BO),
                c51 = FloatVector.fromMemorySegment(S, src, s0 + 5 * sd + v, BO),
                c60 = FloatVector.fromMemorySegment(S, src, s0 + 6 * sd, BO),
                c61 = FloatVector.fromMemorySegment(S, src, s0 + 6 * sd + v, BO),
                c70 = FloatVector.fromMemorySegment(S, src, s0 + 7 * sd, BO),
                c71 = FloatVector.fromMemorySegment(S, src, s0 + 7 * sd + v, BO);
        for (int p = 0; p < kc; p++) {
            int bq = bi + p * NR, aq = ai + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq);
            FloatVector b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector a = FloatVector.broadcast(S, ap[aq]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[aq + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[aq + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        c00.intoMemorySegment(cs, c0, BO);
        c01.intoMemorySegment(cs, c0 + v, BO);
        c10.intoMemorySegment(cs, c0 + d, BO);
        c11.intoMemorySegment(cs, c0 + d + v, BO);
        c20.intoMemorySegment(cs, c0 + 2 * d, BO);
        c21.intoMemorySegment(cs, c0 + 2 * d + v, BO);
        c30.intoMemorySegment(cs, c0 + 3 * d, BO);
        c31.intoMemorySegment(cs, c0 + 3 * d + v, BO);
        c40.intoMemorySegment(cs, c0 + 4 * d, BO);
        c41.intoMemorySegment(cs, c0 + 4 * d + v, BO);
        c50.intoMemorySegment(cs, c0 + 5 * d, BO);
        c51.intoMemorySegment(cs, c0 + 5 * d + v, BO);
        c60.intoMemorySegment(cs, c0 + 6 * d, BO);
        c61.intoMemorySegment(cs, c0 + 6 * d + v, BO);
        c70.intoMemorySegment(cs, c0 + 7 * d, BO);
        c71.intoMemorySegment(cs, c0 + 7 * d + v, BO);
    }

    /** As {@link #tile4} with 8 rows: 16 accumulators (MR == 8, for 32 vector registers). */
    private static void tile8(float[] ap, int ai, float[] bp, int bi, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bq = bi + p * NR, aq = ai + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq);
            FloatVector b1 = FloatVector.fromArray(S, bp, bq + L);
            FloatVector a = FloatVector.broadcast(S, ap[aq]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[aq + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[aq + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }
}
