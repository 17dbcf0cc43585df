package io.github.branchwise.processor.writing;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.model.BranchDescriptor;
import io.github.branchwise.processor.model.ExpertsDescriptor;
import io.github.branchwise.processor.model.GateDescriptor;
import io.github.branchwise.processor.model.ModelDescriptor;
import io.github.branchwise.processor.model.SharedDescriptor;
import io.github.branchwise.processor.model.StitchDescriptor;
import java.util.Set;

/**
 * Writes {@code <Model>Part}: one constant per {@code @Shared} method, per {@code @Experts} group, {@code @Gate}
 * and {@code @Stitch}, per branch and {@code WEIGHTING}, in that order (each kind in declaration order), each
 * carrying the name of its runtime parameter group (the first segment of its parameters' names).
 */
final class PartWriter {
    /** The strategies whose weighting learns parameters of its own; CUSTOM may. */
    private static final Set<Weighting> LEARNED = Set.of(
            Weighting.TRAINABLE, Weighting.UNCERTAINTY, Weighting.GRADNORM, Weighting.CUSTOM);

    private final ModelDescriptor model;

    PartWriter(ModelDescriptor model) {
        this.model = model;
    }

    TypeSpec write() {
        ModelNames names = model.names();
        TypeSpec.Builder part = TypeSpec.enumBuilder(names.part())
                .addOriginatingElement(model.element())
                .addJavadoc(partsJavadoc(), names.model())
                .addJavadoc("<p>{@link $T#freeze($T...)} and\n{@link $T#unfreeze($T...)} take them; "
                        + "{@link #groupName()} is the name the runtime's\n{@code Trainer} and "
                        + "{@code TrainingOptions.groupUpdater} use.\n", names.trainingModel(), names.part(),
                        names.trainingModel(), names.part())
                .addAnnotation(Snippets.generated())
                .addModifiers(PUBLIC);
        for (SharedDescriptor shared : model.shared()) {
            CodeBlock javadoc = shared.takesLayers()
                    ? CodeBlock.of("The layers of {@code @Shared} method {@code $L()}: the parameters {@code $L/...}.\n",
                            shared.methodName(), shared.methodName())
                    : CodeBlock.of("{@code @Shared} method {@code $L()}, which takes no {@code Layers}\n"
                            + "and so owns no parameters: freezing it is an error.\n", shared.methodName());
            constant(part, shared.methodName(), javadoc);
        }
        for (ExpertsDescriptor group : model.experts()) {
            constant(part, group.name(), CodeBlock.of("The $L $L of {@code @Experts} group {@code $L()}: the parameters "
                    + "{@code $L/0/...}$L.\n", group.count(), group.count() == 1 ? "expert" : "experts", group.name(),
                    group.name(), group.count() == 1 ? "" : " to {@code " + group.name() + "/" + (group.count() - 1)
                            + "/...}"));
        }
        for (GateDescriptor gate : model.gates()) {
            constant(part, gate.name(), CodeBlock.of("{@code @Gate} {@code $L()}: the parameters {@code $L/W} and "
                    + "{@code $L/b}.\n", gate.name(), gate.name(), gate.name()));
        }
        for (StitchDescriptor stitch : model.stitches()) {
            constant(part, stitch.name(), CodeBlock.of("{@code @Stitch} {@code $L()}: the parameter {@code $L/alpha}.\n",
                    stitch.name(), stitch.name()));
        }
        for (BranchDescriptor branch : model.branches()) {
            CodeBlock javadoc = branch.takesLayers()
                    ? CodeBlock.of("The layers of branch {@code $L}: the parameters {@code $L/...}.\n",
                            branch.name(), branch.name())
                    : CodeBlock.of("Branch {@code $L}, whose method takes no {@code Layers}\n"
                            + "and so owns no parameters: freezing it is an error.\n", branch.name());
            constant(part, branch.name(), javadoc);
        }
        Weighting weighting = model.weighting().kind();
        CodeBlock javadoc = LEARNED.contains(weighting)
                ? CodeBlock.of("The parameters the $L weighting learns: {@code $L/...}.\n", weighting,
                        ModelNames.WEIGHTING_GROUP)
                : CodeBlock.of("The weighting; $L weighting learns no parameters, so freezing it is an error.\n",
                        weighting);
        constant(part, ModelNames.WEIGHTING_GROUP, javadoc);
        return part
                .addField(String.class, "groupName", PRIVATE, FINAL)
                .addMethod(MethodSpec.constructorBuilder()
                        .addParameter(String.class, "groupName")
                        .addStatement("this.groupName = groupName")
                        .build())
                .addMethod(MethodSpec.methodBuilder("groupName")
                        .addJavadoc("The runtime's name of this part's parameter group: the first segment of its\n"
                                + "parameters' names, as {@code Trainer.freeze} and {@code TrainingOptions.groupUpdater}"
                                + " take it.\n\n")
                        .addJavadoc("@return the group name, such as {@code $L}\n", ModelNames.WEIGHTING_GROUP)
                        .addModifiers(PUBLIC)
                        .returns(String.class)
                        .addStatement("return groupName")
                        .build())
                .build();
    }

    /** The enum's first sentence; a model without experts, gates or stitches keeps the one it always had. */
    private String partsJavadoc() {
        if (model.experts().isEmpty() && model.gates().isEmpty() && model.stitches().isEmpty()) {
            return "The parts of {@link $T} that own parameters: each {@code @Shared} method, each branch\n"
                    + "and the weighting, in the order of the model summary.\n\n";
        }
        return "The parts of {@link $T} that own parameters: each {@code @Shared} method, each {@code @Experts}\n"
                + "group, each {@code @Gate} and {@code @Stitch}, each branch and the weighting.\n\n";
    }

    private static void constant(TypeSpec.Builder part, String groupName, CodeBlock javadoc) {
        part.addEnumConstant(ModelNames.constantName(groupName),
                TypeSpec.anonymousClassBuilder("$S", groupName).addJavadoc(javadoc).build());
    }
}
