package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.NumpyFiles;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the layer reference tests ({@link StatelessLayersReferenceTest}, {@link SequenceLayersReferenceTest}) share:
 * an archive of PyTorch's inputs {@code x0, x1, ...}, weights (named as the layer's parameters end) and output
 * {@code y}, and the check of one layer's forward output against it in DOUBLE (1e-9 of the output's scale) and
 * FLOAT (2e-6), on the compiled executor and on SameDiff's.
 */
final class LayerReference {
    private LayerReference() {
    }

    /** One archive: the inputs in order, the weights by name, the expected output. */
    record Archive(List<INDArray> inputs, Map<String, INDArray> weights, INDArray expected) {
        static Archive read(Path file) throws IOException {
            List<INDArray> inputs = new ArrayList<>();
            Map<String, INDArray> weights = new LinkedHashMap<>();
            Map<String, INDArray> archive = NumpyFiles.readNpz(file);
            archive.forEach((key, value) -> {
                if (key.matches("x\\d+")) {
                    inputs.add(value);
                } else if (!key.equals("y")) {
                    weights.put(key, value);
                }
            });
            return new Archive(inputs, weights, archive.get("y"));
        }
    }

    /**
     * Sets the archive's weights as the parameters of branch {@code y} whose names end in theirs (each exactly one,
     * and every parameter of {@code y} set) and compares branch {@code y}'s prediction with the expected output.
     */
    static void assertForwardMatches(String name, Archive archive, ModelSpec spec) {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (ExecutorKind executor : new ExecutorKind[] {ExecutorKind.COMPILED, ExecutorKind.SAMEDIFF}) {
                String where = name + " " + type + " " + executor;
                Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).dataType(type)
                        .executor(executor).build());
                Map<String, INDArray> named = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> weight : archive.weights().entrySet()) {
                    List<String> matches = trainer.parameters().keySet().stream()
                            .filter(p -> p.startsWith("y/") && p.endsWith("/" + weight.getKey())).toList();
                    assertEquals(1, matches.size(), where + ": parameters " + trainer.parameters().keySet());
                    named.put(matches.get(0), weight.getValue());
                }
                assertEquals(archive.weights().size(), trainer.parameters().keySet().stream()
                        .filter(p -> p.startsWith("y/")).count(), where + ": every parameter of the layer is set");
                trainer.setParameters(named);
                INDArray[] x = archive.inputs().stream().map(a -> a.castTo(type)).toArray(INDArray[]::new);
                INDArray actual = trainer.predictor().predict(x)[0];
                assertClose(archive.expected(), actual, type == DataType.DOUBLE ? 1e-9 : 2e-6, where);
            }
        }
    }

    /** Every element within {@code relative} of the expected output's scale (its largest magnitude, at least 1e-3). */
    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.castTo(DataType.DOUBLE).dup().data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).dup().data().asDouble();
        double scale = 1e-3;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= relative * scale)) {
                fail(what + " differs at " + i + ": expected " + e[i] + " but was " + a[i] + " (scale " + scale
                        + ")\nexpected " + Arrays.toString(e) + "\nactual   " + Arrays.toString(a));
            }
        }
        assertTrue(e.length > 0, what);
    }

    /** The folder of a test resource, e.g. {@code /layers/stateless}. */
    static Path folder(String resource) {
        try {
            return Path.of(LayerReference.class.getResource(resource).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The archives of {@code folder} are exactly {@code cases}: none without a case, no case without one. */
    static void assertEveryArchiveHasACase(Path folder, Set<String> cases) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            List<String> archives = files.map(p -> p.getFileName().toString().replace(".npz", "")).sorted().toList();
            assertEquals(cases.stream().sorted().toList(), archives);
        }
    }
}
