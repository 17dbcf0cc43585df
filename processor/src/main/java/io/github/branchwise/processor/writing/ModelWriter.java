package io.github.branchwise.processor.writing;

import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.TypeSpec;
import io.github.branchwise.processor.model.ModelDescriptor;
import java.util.ArrayList;
import java.util.List;

/** Turns a model descriptor into the source files generated for it, without writing them. */
public final class ModelWriter {
    private ModelWriter() {
    }

    /**
     * The generated files of one model, in the order of {@code ModelNames.suffixes(model.hasGates())}. Built
     * completely before any is written, so that a failure leaves no half-generated model behind.
     */
    public static List<JavaFile> files(ModelDescriptor model) {
        RecordsWriter records = new RecordsWriter(model);
        List<TypeSpec> types = new ArrayList<>(List.of(
                records.batch(),
                records.prediction(),
                records.losses(),
                records.lossWeights(),
                new PredictionModelWriter(model).write(),
                new TrainingModelWriter(model).write(),
                new PartWriter(model).write(),
                records.metrics(),
                records.epoch(),
                records.history(),
                records.examplePrediction()));
        if (model.hasGates()) {
            types.add(records.gateWeights());
        }
        return types.stream()
                .map(type -> JavaFile.builder(model.names().packageName(), type)
                        .indent("    ")
                        .skipJavaLangImports(true)
                        .build())
                .toList();
    }
}
