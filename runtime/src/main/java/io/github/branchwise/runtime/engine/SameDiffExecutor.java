package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.Losses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference executor: SameDiff's own sessions run the graph and the gradient function it derived.
 *
 * <p>It asks {@code calculateGradientsAndOutputs} for the branch losses and the total together with the
 * gradients, so the reported losses are those of the very forward pass the update uses. (SameDiff's {@code fit}
 * reports a loss of 0.0 in M2.1, deeplearning4j issues #9684 and #9853, because its training session runs only
 * the gradient ops.)
 */
public final class SameDiffExecutor implements StepExecutor {
    private final Network network;
    private final List<String> lossNames = new ArrayList<>();
    private List<String> parameterNames;
    private final String[] outputNames;
    /** Whether the graph has a convolution the oneDNN builds' helper fails on ({@link OneDnnWorkaround}). */
    private final boolean dilatedConvolution;

    /** An executor over {@code network}. */
    public SameDiffExecutor(Network network) {
        NativeBackend.logOnce();
        this.network = network;
        lossNames.add(network.total().name());
        for (SDVariable loss : network.branchLosses()) {
            lossNames.add(loss.name());
        }
        parameterNames = List.copyOf(network.parameters().keySet());
        outputNames = network.outputs().stream().map(SDVariable::name).toArray(String[]::new);
        dilatedConvolution = OneDnnWorkaround.anyIn(network.sameDiff());
    }

    private <T> T run(java.util.function.Supplier<T> call) {
        return OneDnnWorkaround.run(dilatedConvolution, call);
    }

    @Override
    public PassResult forwardBackward(INDArray[] inputs, INDArray[] targets) {
        return forwardBackward(inputs, targets, false);
    }

    @Override
    public PassResult forwardBackward(INDArray[] inputs, INDArray[] targets, boolean withOutputs) {
        List<String> wanted = new ArrayList<>(lossNames);
        if (withOutputs) {
            wanted.addAll(List.of(outputNames));
        }
        List<String> statistics = new ArrayList<>(network.trainingValues());
        // The representation's gradient is a gradient, not a forward value: asked for as one below.
        String representationGradient = network.representationGradient();
        statistics.remove(representationGradient);
        wanted.addAll(statistics);
        Map<String, INDArray> feeds = feeds(inputs, targets, true);
        if (parameterNames.isEmpty()) {
            // Nothing to differentiate (everything frozen): a forward pass, still in training mode.
            Map<String, INDArray> out = run(() -> network.sameDiff().output(feeds, wanted));
            return new PassResult(toResult(out), new HashMap<>(), withOutputs ? detachedOutputs(out) : null,
                    pick(out, statistics));
        }
        List<String> differentiated = new ArrayList<>(parameterNames);
        if (representationGradient != null) {
            differentiated.add(network.representation());
        }
        OutAndGrad result = run(() -> network.sameDiff().calculateGradientsAndOutputs(feeds, wanted,
                differentiated));
        Map<String, INDArray> gradients = new HashMap<>();
        for (String name : parameterNames) {
            INDArray gradient = result.getGradients().get(name);
            if (gradient == null) {
                // A parameter the total does not depend on (e.g. a branch with weight 0 under some strategies).
                gradient = network.parameters().get(name).getArr().like().assign(0);
            }
            gradients.put(name, gradient);
        }
        Map<String, INDArray> values = pick(result.getOutputs(), statistics);
        if (representationGradient != null) {
            values.put(representationGradient, result.getGradients().get(network.representation()));
        }
        return new PassResult(toResult(result.getOutputs()), gradients,
                withOutputs ? detachedOutputs(result.getOutputs()) : null, values);
    }

    private static Map<String, INDArray> pick(Map<String, INDArray> values, List<String> names) {
        Map<String, INDArray> picked = new HashMap<>();
        for (String name : names) {
            picked.put(name, values.get(name));
        }
        return picked;
    }

    @Override
    public LossesAndOutputs lossesAndOutputs(INDArray[] inputs, INDArray[] targets) {
        List<String> wanted = new ArrayList<>(lossNames);
        wanted.addAll(List.of(outputNames));
        Map<String, INDArray> out = run(() -> network.sameDiff().output(feeds(inputs, targets, false), wanted));
        return new LossesAndOutputs(toResult(out), detachedOutputs(out));
    }

    private INDArray[] detachedOutputs(Map<String, INDArray> values) {
        INDArray[] predictions = new INDArray[outputNames.length];
        for (int i = 0; i < outputNames.length; i++) {
            predictions[i] = values.get(outputNames[i]).dup();
        }
        return predictions;
    }

    @Override
    public void trainableParametersChanged(java.util.Set<String> trainable) {
        parameterNames = network.parameters().keySet().stream().filter(trainable::contains).toList();
    }

    @Override
    public Losses losses(INDArray[] inputs, INDArray[] targets) {
        return toResult(run(() -> network.sameDiff().output(feeds(inputs, targets, false), lossNames)));
    }

    @Override
    public INDArray[] predict(INDArray[] inputs) {
        Map<String, INDArray> feeds = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            feeds.put(network.inputs().get(i).name(), inputs[i]);
        }
        feeds.putAll(network.modes().feeds(false, inputs[0].size(0)));
        Map<String, INDArray> out = run(() -> network.sameDiff().output(feeds, outputNames));
        INDArray[] predictions = new INDArray[outputNames.length];
        for (int i = 0; i < outputNames.length; i++) {
            // Detached copies: the caller may keep them across later steps.
            predictions[i] = out.get(outputNames[i]).dup();
        }
        return predictions;
    }

    /** The placeholders' values: inputs, targets, and the layers' modes for a training or an inference pass. */
    private Map<String, INDArray> feeds(INDArray[] inputs, INDArray[] targets, boolean training) {
        Map<String, INDArray> feeds = new HashMap<>(network.modes().feeds(training, inputs[0].size(0)));
        for (int i = 0; i < inputs.length; i++) {
            feeds.put(network.inputs().get(i).name(), inputs[i]);
        }
        for (int i = 0; i < targets.length; i++) {
            feeds.put(network.targets().get(i).name(), targets[i]);
        }
        return feeds;
    }

    private Losses toResult(Map<String, INDArray> values) {
        double total = values.get(lossNames.get(0)).getDouble(0);
        double[] branches = new double[lossNames.size() - 1];
        for (int i = 0; i < branches.length; i++) {
            branches[i] = values.get(lossNames.get(i + 1)).getDouble(0);
        }
        return new Losses(total, branches);
    }
}
