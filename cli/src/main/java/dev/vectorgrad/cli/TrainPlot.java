package dev.vectorgrad.cli;

import dev.vectorgrad.nn.Trainer;
import dev.vectorgrad.nn.examples.Examples;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Loss and accuracy curves of a training run as a PNG (XChart). */
final class TrainPlot {
    private TrainPlot() {}

    static void save(Path file, Examples.Result r) throws IOException {
        List<Double> ep = new ArrayList<>(), tl = new ArrayList<>(), vl = new ArrayList<>(), ta = new ArrayList<>(), va = new ArrayList<>();
        for (Trainer.EpochStats s : r.history().epochs()) {
            ep.add((double) s.epoch());
            tl.add(s.trainLoss());
            vl.add(s.valLoss());
            ta.add(s.trainAccuracy());
            va.add(s.valAccuracy());
        }
        XYChart c = new XYChartBuilder().width(900).height(500).title(r.model() + " training").xAxisTitle("epoch").yAxisTitle("loss / accuracy").build();
        c.addSeries("train loss", ep, tl);
        if (vl.stream().noneMatch(d -> d.isNaN())) c.addSeries("test loss", ep, vl);
        if (ta.stream().noneMatch(d -> d.isNaN())) c.addSeries("train accuracy", ep, ta);
        if (va.stream().noneMatch(d -> d.isNaN())) c.addSeries("test accuracy", ep, va);
        String name = file.toString();
        String base = name.toLowerCase().endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        BitmapEncoder.saveBitmap(c, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
