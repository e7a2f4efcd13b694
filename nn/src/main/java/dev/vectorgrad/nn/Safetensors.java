package dev.vectorgrad.nn;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.vectorgrad.tensor.DType;
import dev.vectorgrad.tensor.Scope;
import dev.vectorgrad.tensor.Shapes;
import dev.vectorgrad.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors checkpoint format: an 8-byte little-endian header length N, N bytes of JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}} (padded
 * with spaces to a multiple of 8), then the raw little-endian tensor bytes, offsets relative to the data start.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final long MAX_HEADER = 100L << 20;

    static String dtypeName(DType d) {
        return switch (d) {
            case F32 -> "F32";
            case F64 -> "F64";
            case I32 -> "I32";
        };
    }

    static DType dtypeOf(String s, String name) throws IOException {
        return switch (s) {
            case "F32" -> DType.F32;
            case "F64" -> DType.F64;
            case "I32" -> DType.I32;
            default -> throw new IOException("tensor '" + name + "' has dtype " + s + ", which vectorgrad does not support (F32, F64, I32)");
        };
    }

    /** Writes the tensors, in the map's order. */
    public static void save(Path path, Map<String, Tensor> tensors) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", dtypeName(t.dtype()));
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            o.add("shape", shape);
            long bytes = t.numel() * t.dtype().byteSize();
            JsonArray off = new JsonArray();
            off.add(offset);
            off.add(offset + bytes);
            o.add("data_offsets", off);
            header.add(e.getKey(), o);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] hdr = Arrays.copyOf(json, padded);
        Arrays.fill(hdr, json.length, padded, (byte) ' ');
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
            while (len.hasRemaining()) ch.write(len);
            ByteBuffer h = ByteBuffer.wrap(hdr);
            while (h.hasRemaining()) ch.write(h);
            for (Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.numel() * t.dtype().byteSize())).order(ByteOrder.LITTLE_ENDIAN);
                long n = t.numel();
                for (long i = 0; i < n; i++) {
                    switch (t.dtype()) {
                        case F32 -> b.putFloat((float) t.getFlat(i));
                        case F64 -> b.putDouble(t.getFlat(i));
                        case I32 -> b.putInt((int) t.getFlat(i));
                    }
                }
                b.flip();
                while (b.hasRemaining()) ch.write(b);
            }
        }
    }

    /** Reads every tensor of a file into {@code scope}. */
    public static Map<String, Tensor> load(Path path, Scope scope) throws IOException {
        byte[] all = Files.readAllBytes(path);
        if (all.length < 8) throw new IOException(path + ": too short for a safetensors file (" + all.length + " bytes)");
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        if (n < 2 || n > MAX_HEADER || 8 + n > all.length) throw new IOException(path + ": bad header length " + n + " for a file of " + all.length + " bytes");
        JsonObject header;
        try {
            header = new Gson().fromJson(new String(all, 8, (int) n, StandardCharsets.UTF_8), JsonObject.class);
        } catch (JsonParseException e) {
            throw new IOException(path + ": header is not JSON: " + e.getMessage(), e);
        }
        long dataStart = 8 + n;
        long dataLen = all.length - dataStart;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) continue;
            String name = e.getKey();
            JsonObject o = e.getValue().getAsJsonObject();
            DType dt = dtypeOf(o.get("dtype").getAsString(), name);
            JsonArray sa = o.getAsJsonArray("shape");
            int[] shape = new int[sa.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = sa.get(i).getAsInt();
            JsonArray off = o.getAsJsonArray("data_offsets");
            long b = off.get(0).getAsLong(), end = off.get(1).getAsLong();
            long expect = Shapes.numel(shape) * dt.byteSize();
            if (b < 0 || end < b || end > dataLen || end - b != expect) {
                throw new IOException(path + ": tensor '" + name + "' " + dt + " " + Shapes.str(shape) + " needs " + expect
                        + " bytes but data_offsets are [" + b + ", " + end + "] in a data section of " + dataLen + " bytes");
            }
            Tensor t = Tensor.zeros(scope, dt, shape);
            MemorySegment.copy(MemorySegment.ofArray(all), dataStart + b, t.segment(), 0, expect);
            if (java.nio.ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) throw new IOException("big-endian hosts are not supported");
            out.put(name, t);
        }
        return out;
    }

    public static void save(Path path, Module model) throws IOException { save(path, model.stateDict()); }

    /**
     * Loads a checkpoint into the model's parameters and buffers. Every name, shape and dtype must match;
     * otherwise an exception lists every missing, unexpected and mismatched tensor and nothing is changed.
     */
    public static void loadInto(Path path, Module model) throws IOException {
        try (Scope tmp = Scope.open()) {
            Map<String, Tensor> file = load(path, tmp);
            Map<String, Tensor> state = model.stateDict();
            List<String> problems = new ArrayList<>();
            for (var e : state.entrySet()) {
                Tensor f = file.get(e.getKey());
                Tensor m = e.getValue();
                if (f == null) problems.add("missing '" + e.getKey() + "' (model has " + m.dtype() + " " + Shapes.str(m.shape()) + ")");
                else if (!Arrays.equals(f.shape(), m.shape()) || f.dtype() != m.dtype()) {
                    problems.add("'" + e.getKey() + "': file has " + f.dtype() + " " + Shapes.str(f.shape()) + ", model has " + m.dtype() + " " + Shapes.str(m.shape()));
                }
            }
            for (String k : file.keySet()) if (!state.containsKey(k)) problems.add("unexpected '" + k + "' in the file");
            if (!problems.isEmpty()) throw new IllegalArgumentException(path + " does not match the model: " + String.join("; ", problems));
            for (var e : state.entrySet()) {
                Tensor src = file.get(e.getKey()), dst = e.getValue();
                MemorySegment.copy(src.segment(), 0, dst.segment(), dst.offset() * dst.dtype().byteSize(), src.numel() * src.dtype().byteSize());
            }
        }
    }
}
