package dev.vectorgrad.cli;

import dev.vectorgrad.kernels.Backends;
import dev.vectorgrad.kernels.Parallel;
import dev.vectorgrad.nn.examples.Examples;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code ./vectorgrad train <model> [--epochs N --batch N --lr X --threads N --backend B --seed N --data f.csv --target col --save f --load f --plot f.png --json]}. */
final class TrainCommand {
    private TrainCommand() {}

    private static final String USAGE = """
            usage: ./vectorgrad train <linreg|dense-linreg|mlp|binary|mnist> [options]
              --epochs N --batch N --lr X --seed N     override the model's defaults
              --threads N --backend scalar|vector|...  kernel threads and backend
              --data file.csv --target column          (mlp) train on your own numeric table
              --train-samples N --test-samples N       (mnist) use fewer digits
              --save f.safetensors --load f.safetensors  checkpoint after training / before training
              --plot curves.png                        loss and accuracy per epoch as a chart
              --json                                   last stdout line is a JSON summary
              --quiet                                  no per-epoch lines or progress bar""";

    static int run(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println(USAGE);
            return 2;
        }
        String model = args[0];
        Map<String, String> opts = new LinkedHashMap<>();
        boolean json = false, quiet = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--json" -> json = true;
                case "--quiet" -> quiet = true;
                case "--epochs", "--batch", "--lr", "--threads", "--backend", "--seed", "--data", "--target", "--save", "--load", "--plot",
                     "--train-samples", "--test-samples" -> {
                    if (i + 1 >= args.length) {
                        System.err.println("train: " + a + " needs a value\n" + USAGE);
                        return 2;
                    }
                    opts.put(a.substring(2), args[++i]);
                }
                default -> {
                    System.err.println("train: unknown option '" + a + "'\n" + USAGE);
                    return 2;
                }
            }
        }
        if (!Examples.NAMES.contains(model)) {
            System.err.println("train: unknown model '" + model + "'; choose one of " + Examples.NAMES);
            return 2;
        }
        try {
            if (opts.containsKey("backend")) Backends.use(opts.get("backend"));
            if (opts.containsKey("threads")) Parallel.setThreads(Integer.parseInt(opts.get("threads")));
            Examples.Options o = new Examples.Options(
                    intOpt(opts, "epochs"), intOpt(opts, "batch"),
                    opts.containsKey("lr") ? Double.valueOf(opts.get("lr")) : null,
                    opts.containsKey("seed") ? Long.parseLong(opts.get("seed")) : 42,
                    pathOpt(opts, "data"), opts.get("target"), intOpt(opts, "train-samples"), intOpt(opts, "test-samples"),
                    pathOpt(opts, "save"), pathOpt(opts, "load"), !quiet && System.console() != null, quiet ? null : System.out);
            Examples.Result r = Examples.run(model, o);
            for (String note : r.notes()) System.out.println(note);
            if (opts.containsKey("plot")) {
                TrainPlot.save(Path.of(opts.get("plot")), r);
                System.out.println("wrote " + opts.get("plot"));
            }
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", r.model());
                m.put("epochs", r.epochs());
                m.put("train_loss", num(r.trainLoss()));
                m.put("test_loss", num(r.testLoss()));
                m.put("test_accuracy", num(r.testAccuracy()));
                m.put("samples_per_s", num(r.samplesPerSecond()));
                m.put("backend", Backends.kernels().name());
                m.put("threads", Parallel.threads());
                if (!Double.isNaN(r.fitW())) {
                    m.put("w", r.fitW());
                    m.put("b", r.fitB());
                }
                System.out.println(new com.google.gson.GsonBuilder().serializeNulls().create().toJson(m));
            }
            return 0;
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("train " + model + ": " + e.getMessage());
            return 1;
        }
    }

    private static Object num(double v) { return Double.isFinite(v) ? v : null; }

    private static Integer intOpt(Map<String, String> o, String k) {
        return o.containsKey(k) ? Integer.valueOf(o.get(k)) : null;
    }

    private static Path pathOpt(Map<String, String> o, String k) {
        return o.containsKey(k) ? Path.of(o.get(k)) : null;
    }
}
