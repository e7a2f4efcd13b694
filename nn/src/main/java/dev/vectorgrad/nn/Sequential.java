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

    @Override
    public Tensor forward(Tensor x) {
        for (Module m : layers) x = m.forward(x);
        return x;
    }

    @Override
    public Tensor backward(Tensor g) {
        for (int i = layers.size() - 1; i >= 0 && g != null; i--) g = layers.get(i).backward(g);
        return g;
    }
}
