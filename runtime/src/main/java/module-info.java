/**
 * Builds, trains, evaluates and saves the models the Branchwise processor generates, on ND4J SameDiff.
 *
 * <p>Who each exported package is for (ARCHITECTURE.md draws the layers):
 * <ul>
 *   <li>{@code io.github.branchwise.runtime} and {@code io.github.branchwise.runtime.training}: the API users write
 *       against: {@code Layers}, {@code TrainingOptions}, the {@code Trainer} behind every generated model,
 *       {@code Fitting} and what it takes and records.</li>
 *   <li>{@code io.github.branchwise.runtime.weighting}: the SPI of weighting strategies ({@code Weighter} for
 *       {@code Weighting.CUSTOM}, {@code WeightSchedule} for {@code Weighting.SCHEDULED}); it sees nothing of the
 *       engine.</li>
 *   <li>{@code io.github.branchwise.runtime.internal}: what generated code calls. Not an API: it changes with the
 *       processor, in step with it (as Dagger's {@code dagger.internal}).</li>
 * </ul>
 * The engine (graph building, executors, compiled plans, model files) and the built-in strategies are not exported.
 */
module io.github.branchwise.runtime {
    requires transitive io.github.branchwise.annotations;
    // SDVariable, SameDiff and INDArray appear throughout the API (branch methods return SDVariable).
    requires transitive nd4j.api;
    requires nd4j.common;
    // NativeOpsHolder: the native thread count.
    requires nd4j.cpu.api;
    // ND4J's shaded Jackson: the optimiser configurations saved in model files.
    requires jackson;
    requires org.bytedeco.javacpp;
    requires org.slf4j;
    requires org.apache.commons.csv;
    requires org.knowm.xchart;
    requires me.tongfei.progressbar;
    // The small optimisation problems of the gradient-level strategies (ADMM QPs, Levenberg-Marquardt).
    requires hipparchus.core;
    requires hipparchus.optim;
    requires java.desktop;
    // com.sun.management.OperatingSystemMXBean: other processes' CPU use, for the automatic thread choice.
    requires jdk.management;

    exports io.github.branchwise.runtime;
    exports io.github.branchwise.runtime.training;
    exports io.github.branchwise.runtime.weighting;
    exports io.github.branchwise.runtime.internal;
}
