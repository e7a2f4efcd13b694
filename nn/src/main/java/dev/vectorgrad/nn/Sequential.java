package dev.vectorgrad.nn;

import dev.vectorgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Layers applied in order; children are named "0", "1", ... as in PyTorch's nn.Sequential. */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    public Sequential add(Module m) {
        registerChild(Integer.toString(layers.size()), m);
        layers.add(m);
        if (layers.size() == 1) m.setNeedsInputGrad(needsInputGrad());
        return this;
    }

    @Override
    public void setNeedsInputGrad(boolean b) {
        super.setNeedsInputGrad(b);
        if (!layers.isEmpty()) layers.get(0).setNeedsInputGrad(b);
    }

    public List<Module> layers() { return List.copyOf(layers); }

    public Module get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    /**
     * A ReLU directly followed by a MaxPool2d runs as the pooling then the ReLU, forward and backward: the same
     * numbers (max(relu(a), relu(b)) == relu(max(a, b)); the gradient reaches the same window position, the first
     * maximum, or nowhere when the maximum is <= 0) on a quarter of the elements for 2x2 pooling.
     */
    private static boolean swapped(Module a, Module b) {
        return a instanceof ReLU && b instanceof MaxPool2d;
    }

    @Override
    public Tensor forward(Tensor x) {
        int n = layers.size();
        for (int i = 0; i < n; i++) {
            Module m = layers.get(i);
            if (i + 1 < n && swapped(m, layers.get(i + 1))) {
                x = layers.get(i + 1).forward(x);
                x = m.forward(x);
                i++;
            } else {
                x = m.forward(x);
            }
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor g) {
        for (int i = layers.size() - 1; i >= 0 && g != null; i--) {
            if (i > 0 && swapped(layers.get(i - 1), layers.get(i))) {
                g = layers.get(i - 1).backward(g);
                if (g != null) g = layers.get(i).backward(g);
                i--;
            } else {
                g = layers.get(i).backward(g);
            }
        }
        return g;
    }
}
