package dev.vectorgrad.bench.harness;

/**
 * A GEMM {@code shape} @Param as GemmBench writes it, parsed once for the peers so both sides use the same
 * values: {@code "256"} (square), {@code "MxKxN"} (A is MxK, B is KxN, C is MxN) or {@code "MxKxN:AB"} with A, B
 * in {N, T}: a T operand is the transposed view of a row-major matrix (KxM for A, NxK for B), as the backward
 * passes of a dense layer call it. A prefix {@code B*} makes it a batch of B such products ({@code "64*16"},
 * {@code "32*64x64x64:NT"}): A, B and C get a leading dimension of B, each matrix laid out as above
 * (gemmBatched).
 */
public record GemmShape(int batch, int m, int k, int n, boolean transA, boolean transB) {
    public GemmShape {
        if (batch < 1 || m < 1 || k < 1 || n < 1) {
            throw new IllegalArgumentException("GEMM dimensions must be >= 1, got " + (batch > 1 ? batch + "*" : "") + m + "x" + k + "x" + n);
        }
    }

    /** One product (no batch). */
    public GemmShape(int m, int k, int n, boolean transA, boolean transB) {
        this(1, m, k, n, transA, transB);
    }

    public static GemmShape parse(String shape) {
        String body = shape.trim();
        int star = body.indexOf('*');
        int batch = 1;
        if (star >= 0) {
            try {
                batch = Integer.parseInt(body.substring(0, star));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("GEMM shape must be N, MxKxN or MxKxN:AB (A, B in N/T), optionally B*..., got '" + shape + "'");
            }
            if (batch < 1) throw new IllegalArgumentException("GEMM batch must be >= 1, got '" + shape + "'");
            body = body.substring(star + 1);
        }
        String[] parts = body.split(":", -1);
        String[] dims = parts[0].split("x", -1);
        try {
            if (parts.length > 2 || (dims.length != 1 && dims.length != 3)) throw new NumberFormatException();
            int m = Integer.parseInt(dims[0]);
            int k = dims.length == 1 ? m : Integer.parseInt(dims[1]);
            int n = dims.length == 1 ? m : Integer.parseInt(dims[2]);
            boolean ta = false, tb = false;
            if (parts.length == 2) {
                String f = parts[1];
                if (f.length() != 2 || "NT".indexOf(f.charAt(0)) < 0 || "NT".indexOf(f.charAt(1)) < 0) throw new NumberFormatException();
                ta = f.charAt(0) == 'T';
                tb = f.charAt(1) == 'T';
            }
            return new GemmShape(batch, m, k, n, ta, tb);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GEMM shape must be N, MxKxN or MxKxN:AB (A, B in N/T), optionally B*..., got '" + shape + "'");
        }
    }

    /** Multiply-adds times two: the FLOP count of one call (all of a batch). */
    public long flops() {
        return 2L * batch * m * k * n;
    }

    /** Rows and columns of A as stored (row-major), before the optional transpose. */
    public int[] storedA() {
        return transA ? new int[] {k, m} : new int[] {m, k};
    }

    public int[] storedB() {
        return transB ? new int[] {n, k} : new int[] {k, n};
    }
}
