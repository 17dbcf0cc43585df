package io.github.branchwise.runtime.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;

/**
 * The ops that a set of requested variables needs, in dependency order: a depth-first walk back from each requested
 * variable through the op producing it, its inputs and control dependencies. Ops nothing requested depends on are
 * never visited (dropped from the plan). A variable a fused loss computes is visited as one {@link PlanNode.Fused}
 * over the fusion's inputs instead of the op chain SameDiff built.
 */
final class PlanOrder {
    private final Map<String, SameDiffOp> ops;
    private final Map<String, Variable> vars;
    private final Map<String, LossFusion> fusions;
    private final Set<String> needed;
    private final List<PlanNode> order = new ArrayList<>();
    private final Set<String> done = new HashSet<>();
    private final Set<String> visiting = new HashSet<>();

    private PlanOrder(SameDiff graph, Set<String> needed, Map<String, LossFusion> fusions) {
        this.ops = graph.getOps();
        this.vars = graph.getVariables();
        this.needed = needed;
        this.fusions = fusions;
    }

    /**
     * The nodes {@code required} needs, in an order where each comes after what it reads.
     *
     * @param needed receives every variable the order reads or computes
     * @throws UnsupportedGraphException for a missing variable or a cycle
     */
    static List<PlanNode> of(SameDiff graph, Set<String> required, Set<String> needed,
                             Map<String, LossFusion> fusions) {
        PlanOrder walk = new PlanOrder(graph, needed, fusions);
        for (String name : required) {
            walk.visit(name);
        }
        return walk.order;
    }

    private void visit(String name) {
        Variable v = vars.get(name);
        if (v == null) {
            throw new UnsupportedGraphException("no variable '" + name + "' in the graph");
        }
        needed.add(name);
        LossFusion fusion = fusions.get(name);
        if (fusion != null) {
            // Computed by one fused step from the fusion's inputs instead of the op chain that SameDiff built.
            if (done.add("fused:" + name)) {
                for (String dep : fusion.inputsFor(name)) {
                    visit(dep);
                }
                order.add(new PlanNode.Fused(fusion, name));
            }
            return;
        }
        if (v.getControlDeps() != null) {
            for (String dep : v.getControlDeps()) {
                visit(dep);
            }
        }
        String opName = v.getOutputOfOp();
        if (opName == null || done.contains(opName)) {
            return;
        }
        if (!visiting.add(opName)) {
            throw new UnsupportedGraphException("the graph has a cycle through op '" + opName + "'");
        }
        SameDiffOp sdo = ops.get(opName);
        List<String> deps = new ArrayList<>();
        if (sdo.getInputsToOp() != null) {
            deps.addAll(sdo.getInputsToOp());
        }
        if (sdo.getControlDeps() != null) {
            deps.addAll(sdo.getControlDeps());
        }
        if (sdo.getVarControlDeps() != null) {
            deps.addAll(sdo.getVarControlDeps());
        }
        for (String dep : new LinkedHashSet<>(deps)) {
            visit(dep);
        }
        visiting.remove(opName);
        done.add(opName);
        order.add(new PlanNode.Op(sdo));
    }
}
