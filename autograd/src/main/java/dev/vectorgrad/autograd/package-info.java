/**
 * Reverse-mode automatic differentiation over the kernels.
 *
 * <ul>
 *   <li>{@link dev.vectorgrad.autograd.Var}: a tensor plus its node (op name, inputs, saved tensors). Leaves from
 *       {@code Var.param} accumulate gradients in their own scope; {@code backward} walks an iterative topological
 *       order (no recursion: 10^5-deep chains are fine) and frees the graph unless asked to retain it.</li>
 *   <li>{@link dev.vectorgrad.autograd.F}: the differentiable ops; every forward goes through the checked
 *       {@code Ops} entry points (so any backend serves autograd) and every gradient rule lives in the one table
 *       {@link dev.vectorgrad.autograd.F#RULES}, keyed by op name. An op without a rule fails naming it.</li>
 *   <li>{@link dev.vectorgrad.autograd.NoGrad}: a try-with-resources region that records nothing.</li>
 *   <li>{@link dev.vectorgrad.autograd.GradCheck}: float64 central-difference check of the whole Jacobian.</li>
 * </ul>
 *
 * <p>Memory: intermediates and their gradients live in {@code Scope.current()}; a training loop that opens a
 * scope per step frees the whole step's graph when the scope closes. Each rule in the table has a QuickTheories
 * gradcheck property over random shapes in the tests ({@code OpTable}), and a coverage test ties the two.
 */
package dev.vectorgrad.autograd;
