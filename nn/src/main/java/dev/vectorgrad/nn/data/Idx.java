package dev.vectorgrad.nn.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reader of the IDX format (MNIST): big-endian magic 0x0000TTDD, DD dimension sizes, then the data. Gzip is detected. */
public final class Idx {
    private Idx() {}

    /** An IDX array of unsigned bytes with its dimensions. */
    public record UBytes(int[] dims, byte[] data) {
        public int count() { return dims[0]; }

        public int itemSize() {
            int s = 1;
            for (int i = 1; i < dims.length; i++) s *= dims[i];
            return s;
        }

        public int get(long i) { return data[(int) i] & 0xFF; }
    }

    public static UBytes read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        }
    }

    public static UBytes readResource(String name) throws IOException {
        InputStream in = Idx.class.getResourceAsStream(name);
        if (in == null) throw new IOException("resource not found: " + name);
        try (in) {
            return read(in, name);
        }
    }

    public static UBytes read(InputStream raw, String what) throws IOException {
        PushbackInputStream pb = new PushbackInputStream(new BufferedInputStream(raw), 2);
        int b0 = pb.read(), b1 = pb.read();
        if (b1 >= 0) pb.unread(b1);
        if (b0 >= 0) pb.unread(b0);
        InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(pb) : pb;
        DataInputStream d = new DataInputStream(in);
        int magic = d.readInt();
        int type = (magic >>> 8) & 0xFF, rank = magic & 0xFF;
        if ((magic >>> 16) != 0 || rank == 0) throw new IOException(what + ": not an IDX file (magic 0x" + Integer.toHexString(magic) + ")");
        if (type != 0x08) throw new IOException(what + ": only unsigned-byte IDX (type 0x08) is supported, got type 0x" + Integer.toHexString(type));
        int[] dims = new int[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = d.readInt();
            if (dims[i] < 0) throw new IOException(what + ": negative dimension " + dims[i]);
            n *= dims[i];
        }
        if (n > Integer.MAX_VALUE - 8) throw new IOException(what + ": too large (" + n + " elements)");
        byte[] data = new byte[(int) n];
        try {
            d.readFully(data);
        } catch (java.io.EOFException e) {
            throw new IOException(what + ": truncated, header promises " + n + " bytes of data", e);
        }
        return new UBytes(dims, data);
    }
}
