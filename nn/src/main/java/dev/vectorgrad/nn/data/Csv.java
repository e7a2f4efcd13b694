package dev.vectorgrad.nn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A numeric table with a header row (comma-separated; blank lines skipped). */
public record Csv(List<String> header, double[][] rows) {

    public static Csv read(Path path) throws IOException {
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return read(r, path.toString());
        }
    }

    public static Csv readResource(String name) throws IOException {
        InputStream in = Csv.class.getResourceAsStream(name);
        if (in == null) throw new IOException("resource not found: " + name);
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return read(r, name);
        }
    }

    public static Csv read(Reader reader, String what) throws IOException {
        BufferedReader br = new BufferedReader(reader);
        String line = br.readLine();
        while (line != null && line.isBlank()) line = br.readLine();
        if (line == null) throw new IOException(what + ": empty file, expected a header row");
        List<String> header = new ArrayList<>();
        for (String h : line.split(",", -1)) header.add(h.strip().replace("\"", ""));
        List<double[]> rows = new ArrayList<>();
        int lineNo = 1;
        while ((line = br.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] f = line.split(",", -1);
            if (f.length != header.size()) {
                throw new IOException(what + " line " + lineNo + ": " + f.length + " fields, the header has " + header.size());
            }
            double[] row = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                try {
                    row[i] = Double.parseDouble(f[i].strip());
                } catch (NumberFormatException e) {
                    throw new IOException(what + " line " + lineNo + ", column '" + header.get(i) + "': not a number: '" + f[i] + "'");
                }
            }
            rows.add(row);
        }
        return new Csv(List.copyOf(header), rows.toArray(new double[0][]));
    }

    public int column(String name) {
        int i = header.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no column '" + name + "' in " + header);
        return i;
    }

    /** Features = every column but target, as a dataset with a float regression target [n, 1]. */
    public Dataset toRegression(String target) {
        int t = column(target);
        int n = rows.length, d = header.size() - 1;
        float[] x = new float[n * d];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int k = 0;
            for (int j = 0; j < header.size(); j++) {
                if (j == t) y[i] = (float) rows[i][j];
                else x[i * d + k++] = (float) rows[i][j];
            }
        }
        return Dataset.regression(x, new int[] {d}, y, 1);
    }

    @Override
    public String toString() { return "Csv" + header + " x " + rows.length + " rows"; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Csv c && c.header.equals(header) && Arrays.deepEquals(c.rows, rows);
    }

    @Override
    public int hashCode() { return header.hashCode(); }
}
