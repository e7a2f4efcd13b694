package dev.vectorgrad.autograd;

import dev.vectorgrad.tensor.Tensor;

/**
 * Gradient of one op: given the node (its inputs, its output data and whatever the forward saved) and the
 * gradient of the output, returns one gradient per input, shaped like that input (null where an input needs none).
 * Rules live in one table, {@link F#RULES}, keyed by op name.
 */
@FunctionalInterface
public interface BackwardRule {
    Tensor[] backward(Var node, Tensor gradOut);
}
