package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.SgdUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A model's parameters and its optimiser. It owns:
 * <ul>
 *   <li>the one validated way to write parameter values ({@link #set} for users, {@link #restore} for a loaded
 *       file): every name known, every value non-null, of the parameter's shape, floating-point and finite after
 *       conversion to the model's type; all or nothing;</li>
 *   <li>the frozen set, and the trainable part of each shared scope that gradient-level strategies project over;</li>
 *   <li>the optimiser: one ND4J {@link GradientUpdater} per parameter with its state array, kept here rather than in
 *       SameDiff's training session so that the state is saved with the model and a loaded model continues exactly
 *       as the original would have; {@link #update} applies it.</li>
 * </ul>
 * Not thread-safe: the trainer serialises every call.
 */
public final class ModelParameters {
    private final ModelSpec spec;
    private final TrainingOptions options;
    private final Network network;
    private final StepExecutor executor;
    private final Map<String, INDArray> updaterStates = new LinkedHashMap<>();
    private final Map<String, GradientUpdater<?>> updaters = new LinkedHashMap<>();
    private final Set<String> frozen = new LinkedHashSet<>();
    /** The trainable parameters of each shared scope; recomputed when the frozen set changes, not every step. */
    private Map<String, List<String>> trainableSharedScopes;

    /**
     * The parameters of {@code network} with a fresh optimiser, or one continuing from {@code savedUpdaterStates}
     * (by parameter name; null for none).
     *
     * @throws IllegalArgumentException when the options name a parameter group the model does not have
     */
    public ModelParameters(ModelSpec spec, TrainingOptions options, Network network, StepExecutor executor,
                           Map<String, INDArray> savedUpdaterStates) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        this.network = Objects.requireNonNull(network, "network");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.trainableSharedScopes = network.sharedScopes();
        for (String group : options.groupUpdaters().keySet()) {
            // The weighting group may be set whatever the strategy, even one without parameters (FIXED).
            boolean known = group.equals(TrainingOptions.WEIGHTING_GROUP) || names().stream()
                    .anyMatch(name -> groupOf(name).equals(group));
            if (!known) {
                throw new IllegalArgumentException(spec.modelName() + ": TrainingOptions names the parameter group '"
                        + group + "', which has no parameters; groups: " + groups());
            }
        }
        for (Map.Entry<String, SDVariable> parameter : network.parameters().entrySet()) {
            IUpdater config = options.updaterFor(groupOf(parameter.getKey()));
            long stateSize = config.stateSize(parameter.getValue().getArr().length());
            INDArray state = null;
            boolean initialise = true;
            if (stateSize > 0) {
                INDArray saved = savedUpdaterStates == null ? null : savedUpdaterStates.get(parameter.getKey());
                // A saved state of another shape would give the updater views of the wrong size: start from zeros
                // instead, and requireOptimiserState refuses the file because the shapes differ.
                if (saved != null && !Arrays.equals(saved.shape(), new long[] {1, stateSize})) {
                    saved = null;
                }
                state = saved != null ? saved.castTo(options.dataType()).dup()
                        : Nd4j.zeros(options.dataType(), 1, stateSize);
                initialise = saved == null;
                updaterStates.put(parameter.getKey(), state);
            }
            updaters.put(parameter.getKey(), config.instantiate(state, initialise));
        }
    }

    /** The parameter group of a parameter: the first segment of its name (branch, shared method, weighting). */
    public static String groupOf(String parameterName) {
        int slash = parameterName.indexOf('/');
        return slash < 0 ? parameterName : parameterName.substring(0, slash);
    }

    /** The parameter names, in creation order. */
    public Set<String> names() {
        return network.parameters().keySet();
    }

    private List<String> groups() {
        return names().stream().map(ModelParameters::groupOf).distinct().toList();
    }

    /**
     * A copy of every parameter's value by name, and of every non-trainable layer state (batch-norm moving
     * statistics, {@link Network#layerStates()}), in creation order.
     */
    public Map<String, INDArray> values() {
        Map<String, INDArray> copy = new LinkedHashMap<>();
        network.parametersAndStates().forEach((name, variable) -> copy.put(name, variable.getArr().dup()));
        return copy;
    }

    /** The live arrays of the parameters and the layer states by name, for saving; not to be modified. */
    public Map<String, INDArray> arrays() {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        network.parametersAndStates().forEach((name, variable) -> arrays.put(name, variable.getArr()));
        return arrays;
    }

    /** The names of the non-trainable layer states, in creation order. */
    public Set<String> stateNames() {
        return network.layerStates().keySet();
    }

    /** The optimiser's state arrays by parameter name (only parameters whose optimiser has state), for saving. */
    public Map<String, INDArray> optimiserState() {
        return Collections.unmodifiableMap(updaterStates);
    }

    /**
     * Replaces the optimiser's state arrays' values in place (the updaters read them through views), all or nothing:
     * a replica taking its driver's optimiser, or a driver taking its replicas' average (local SGD).
     *
     * @throws IllegalArgumentException naming the model and the parameter when the names are not exactly those whose
     *                                  optimiser has state, or a shape differs, or a value is not finite
     */
    public void setOptimiserState(Map<String, INDArray> values) {
        Objects.requireNonNull(values, "values");
        if (!values.keySet().equals(updaterStates.keySet())) {
            throw new IllegalArgumentException(spec.modelName() + ": the optimiser state holds " + values.keySet()
                    + ", the model's optimiser has state for " + updaterStates.keySet());
        }
        for (Map.Entry<String, INDArray> entry : values.entrySet()) {
            INDArray target = updaterStates.get(entry.getKey());
            INDArray value = entry.getValue();
            if (value.length() != target.length()) {
                throw new IllegalArgumentException(spec.modelName() + ": the optimiser state of '" + entry.getKey()
                        + "' has " + value.length() + " values, the model's has " + target.length());
            }
            if (value.isNaN().any() || value.isInfinite().any()) {
                throw new IllegalArgumentException(spec.modelName() + ": the optimiser state of '" + entry.getKey()
                        + "' is not finite");
            }
        }
        for (Map.Entry<String, INDArray> entry : values.entrySet()) {
            INDArray target = updaterStates.get(entry.getKey());
            target.assign(entry.getValue().reshape(target.shape()).castTo(target.dataType()));
        }
    }

    // ---- the one write path ----

    /**
     * Replaces some parameters' or layer states' values, all or nothing; the optimiser state is kept.
     *
     * @throws IllegalArgumentException naming the model and the parameter when a value is refused (see the class
     *                                  comment); nothing changes then
     */
    public void set(Map<String, INDArray> values) {
        Objects.requireNonNull(values, "values");
        try {
            assign(network.parametersAndStates(),
                    checked("parameter", network.parametersAndStates(), values, false));
        } catch (Refused e) {
            throw new IllegalArgumentException(spec.modelName() + ": " + e.getMessage());
        }
    }

    /**
     * Replaces every weighting state variable's value (the weights a strategy feeds each step or epoch), checked as
     * {@link #set} checks parameters, all or nothing: a replica taking its driver's state.
     *
     * @throws IllegalArgumentException naming the model and the variable when a value is refused or missing
     */
    public void setWeightingState(Map<String, INDArray> values) {
        Objects.requireNonNull(values, "values");
        try {
            assign(network.states(), checked("weighting state", network.states(), values, true));
        } catch (Refused e) {
            throw new IllegalArgumentException(spec.modelName() + ": " + e.getMessage());
        }
    }

    /**
     * Writes the values a file holds for every parameter and layer state and for the weighting's state variables,
     * checked as {@link #set} does; the file must hold exactly the model's parameters and state variables.
     *
     * @throws ModelFileException naming {@code file} and the refused value
     */
    public void restore(Path file, Map<String, INDArray> parameters, Map<String, INDArray> weightingState)
            throws ModelFileException {
        try {
            Map<String, INDArray> checkedParameters = checked("parameter", network.parametersAndStates(), parameters,
                    true);
            Map<String, INDArray> checkedState = checked("weighting state", network.states(), weightingState, true);
            assign(network.parametersAndStates(), checkedParameters);
            assign(network.states(), checkedState);
        } catch (Refused e) {
            throw new ModelFileException(file, e.getMessage());
        }
    }

    /**
     * Checks the saved optimiser state the constructor was given: one array of the right shape and finite for each
     * parameter whose optimiser has state.
     *
     * @throws ModelFileException naming {@code file} and the parameter
     */
    public void requireOptimiserState(Path file, Map<String, INDArray> saved) throws ModelFileException {
        for (Map.Entry<String, INDArray> state : updaterStates.entrySet()) {
            String what = "optimiser state of '" + state.getKey() + "'";
            INDArray value = saved.get(state.getKey());
            if (value == null) {
                throw new ModelFileException(file, "has no " + what);
            }
            if (!Arrays.equals(state.getValue().shape(), value.shape())) {
                throw new ModelFileException(file, what + " has shape " + Arrays.toString(state.getValue().shape())
                        + " in the model, got " + Arrays.toString(value.shape()));
            }
            if (!ArrayScan.allFinite(state.getValue())) {
                throw new ModelFileException(file, what + " holds NaN or infinite values");
            }
        }
    }

    /** The checked values, converted to the variables' types; {@code all}: every variable needs a value. */
    private Map<String, INDArray> checked(String kind, Map<String, SDVariable> variables, Map<String, INDArray> values,
                                          boolean all) {
        Map<String, INDArray> checked = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> entry : values.entrySet()) {
            String name = entry.getKey();
            SDVariable variable = variables.get(name);
            if (variable == null) {
                throw new Refused("there is no " + kind + " '" + name + "'; the model's are " + variables.keySet());
            }
            INDArray value = entry.getValue();
            INDArray current = variable.getArr();
            if (value == null) {
                throw new Refused("the value of " + kind + " '" + name + "' is null");
            }
            if (!Arrays.equals(value.shape(), current.shape())) {
                throw new Refused(kind + " '" + name + "' has shape " + Arrays.toString(current.shape()) + ", got "
                        + Arrays.toString(value.shape()));
            }
            if (!value.dataType().isFPType()) {
                throw new Refused(kind + " '" + name + "' needs a floating-point array (" + current.dataType()
                        + "), got " + value.dataType());
            }
            INDArray converted = value.castTo(current.dataType());
            if (!ArrayScan.allFinite(converted)) {
                throw new Refused(kind + " '" + name + "' holds NaN or infinite values");
            }
            checked.put(name, converted);
        }
        if (all && !checked.keySet().containsAll(variables.keySet())) {
            Set<String> missing = new LinkedHashSet<>(variables.keySet());
            missing.removeAll(checked.keySet());
            throw new Refused("there is no value for " + kind + " " + missing);
        }
        return checked;
    }

    private static void assign(Map<String, SDVariable> variables, Map<String, INDArray> checked) {
        // castTo returns the same array when the type already matches; assign copies, so the caller's array is
        // never shared with the model.
        checked.forEach((name, value) -> variables.get(name).getArr().assign(value));
    }

    /** A refused value; converted to the exception of the entry point (user call or file) with its message. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    // ---- freezing ----

    /**
     * Freezes the parameters the selectors match: a branch name, a {@code @Shared} method name, {@code "weighting"},
     * a layer ({@code <scope>/<kind>_<n>}: all its parameters) or a parameter name. A layer whose parameters are all
     * frozen also runs in inference mode ({@link LayerModes}).
     *
     * @throws IllegalArgumentException when a selector matches no parameter; nothing is frozen then
     */
    public void freeze(String... selectors) {
        frozen.addAll(resolve(selectors));
        frozenChanged();
    }

    /** Unfreezes parameters; selectors as for {@link #freeze}. */
    public void unfreeze(String... selectors) {
        frozen.removeAll(resolve(selectors));
        frozenChanged();
    }

    /**
     * Freezes the parameters a file lists as frozen.
     *
     * @throws ModelFileException when it names a parameter the model does not have
     */
    public void restoreFrozen(Path file, Collection<String> names) throws ModelFileException {
        if (!names().containsAll(names)) {
            throw new ModelFileException(file, "freezes parameters the model does not have: " + names);
        }
        frozen.clear();
        frozen.addAll(names);
        frozenChanged();
    }

    /**
     * Makes exactly {@code names} frozen: a replica taking its driver's frozen set.
     *
     * @throws IllegalArgumentException when a name is not a parameter of the model; nothing changes then
     */
    public void setFrozen(Collection<String> names) {
        if (!names().containsAll(names)) {
            Set<String> unknown = new LinkedHashSet<>(names);
            unknown.removeAll(names());
            throw new IllegalArgumentException(spec.modelName() + ": cannot freeze " + unknown + ", which are not "
                    + "parameters; the model's are " + names());
        }
        frozen.clear();
        frozen.addAll(names);
        frozenChanged();
    }

    /** The frozen parameters' names, in creation order (as {@code Trainer.frozenParameters} promises); a copy. */
    public Set<String> frozen() {
        Set<String> ordered = new LinkedHashSet<>();
        names().stream().filter(frozen::contains).forEach(ordered::add);
        return Collections.unmodifiableSet(ordered);
    }

    /** The trainable parameters of each shared scope that has any, for the gradient-level strategies. */
    public Map<String, List<String>> trainableSharedScopes() {
        return trainableSharedScopes;
    }

    private Set<String> resolve(String... selectors) {
        Set<String> names = new LinkedHashSet<>();
        for (String selector : selectors) {
            Objects.requireNonNull(selector, "selector");
            List<String> matches = names().stream()
                    .filter(name -> name.equals(selector) || groupOf(name).equals(selector)
                            || name.startsWith(selector + "/")).toList();
            // The weighting and every branch are parts of any model, even when they own no parameter (FIXED,
            // a branch built without Layers): freezing them is then a no-op rather than an error.
            boolean declaredPart = selector.equals(TrainingOptions.WEIGHTING_GROUP) || spec.branchIndex(selector) >= 0;
            if (matches.isEmpty() && !declaredPart) {
                throw new IllegalArgumentException(spec.modelName() + ": '" + selector + "' names no parameter; "
                        + "use a group " + groups() + " or a parameter " + names());
            }
            names.addAll(matches);
        }
        return names;
    }

    /** Tells the executor which parameters train now, and recomputes the trainable part of each shared scope. */
    private void frozenChanged() {
        Set<String> trainable = new LinkedHashSet<>(names());
        trainable.removeAll(frozen);
        executor.trainableParametersChanged(trainable);
        // A layer whose parameters are all frozen runs in inference mode, its moving statistics standing still.
        network.modes().frozenChanged(names(), frozen);
        Map<String, List<String>> scopes = new LinkedHashMap<>();
        network.sharedScopes().forEach((scope, names) -> {
            List<String> trainableNames = names.stream().filter(name -> !frozen.contains(name)).toList();
            if (!trainableNames.isEmpty()) {
                scopes.put(scope, trainableNames);
            }
        });
        trainableSharedScopes = scopes;
    }

    // ---- the optimiser ----

    /**
     * Applies the optimiser to every trainable parameter.
     *
     * @param gradients  the gradient of every trainable parameter, by name, already checked finite
     * @param consumable whether the gradient arrays may be changed in place (an executor's, or buffers the step
     *                   owns) rather than copied
     */
    public void update(Map<String, INDArray> gradients, boolean consumable, long iteration, long epoch) {
        int iterationNumber = Math.toIntExact(iteration);
        int epochNumber = Math.toIntExact(epoch);
        for (Map.Entry<String, SDVariable> parameter : network.parameters().entrySet()) {
            if (frozen.contains(parameter.getKey())) {
                continue;
            }
            INDArray value = parameter.getValue().getArr();
            INDArray gradient = gradients.get(parameter.getKey());
            GradientUpdater<?> updater = updaters.get(parameter.getKey());
            if (updater instanceof SgdUpdater sgd && SgdUpdate.apply(value, gradient,
                    sgd.getConfig().getLearningRate(iterationNumber, epochNumber))) {
                continue;
            }
            if (updater instanceof AdamUpdater adam && AdamUpdate.apply(value, gradient,
                    updaterStates.get(parameter.getKey()), adam.getConfig(),
                    adam.getConfig().getLearningRate(iterationNumber, epochNumber), iterationNumber)) {
                continue;
            }
            // Copy only views and a weighter's own arrays (a copy of a large gradient costs milliseconds).
            INDArray update = (consumable && gradient.ordering() == 'c' && !gradient.isView()
                    ? gradient : gradient.dup('c')).reshape(1, value.length());
            updater.applyUpdater(update, iterationNumber, epochNumber);
            value.subi(update.reshape(value.shape()));
        }
    }
}
