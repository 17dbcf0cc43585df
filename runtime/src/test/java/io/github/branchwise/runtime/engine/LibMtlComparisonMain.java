package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Branchwise's half of {@code docs/libmtl/compare.py} (not a test, not CI): trains {@link StrategyTest#trunkModel}
 * under each strategy with the LibMTL convention, from the data, starting parameters and batching the script wrote,
 * and writes every step's branch losses and weights and the final parameters for the script to set beside LibMTL's.
 *
 * <p>Arguments: the input file ({@code key = v1 v2 ...} lines: {@code data.x}, {@code data.y_reg}, {@code data.y_bin},
 * {@code data.start.<parameter>}, {@code config.batches} (row counts), {@code config.epochs}, {@code config.lr},
 * {@code config.double} (1 for float64)), and the output file, in the same format.
 */
public final class LibMtlComparisonMain {
    private LibMtlComparisonMain() {
    }

    /** The strategies compared, each under the LibMTL convention where it has one. */
    private static Map<String, LossWeighting> strategies() {
        Map<String, LossWeighting> strategies = new LinkedHashMap<>();
        strategies.put("EW", LossWeighting.fixed(1, 1));
        strategies.put("UW", LossWeighting.uncertainty(Convention.LIBMTL));
        strategies.put("DWA", LossWeighting.dwa(2.0, Convention.LIBMTL));
        strategies.put("RLW", LossWeighting.rlw());
        strategies.put("GLS", LossWeighting.gls());
        strategies.put("GradNorm", LossWeighting.gradNorm(1.5, Convention.LIBMTL));
        strategies.put("PCGrad", LossWeighting.pcGrad(Convention.LIBMTL));
        strategies.put("MGDA", LossWeighting.mgda(Convention.LIBMTL));
        strategies.put("MGDA_l2", LossWeighting.mgda(Convention.LIBMTL,
                io.github.branchwise.annotations.MgdaNormalization.L2,
                io.github.branchwise.annotations.HeadGradients.PLAIN));
        strategies.put("MGDA_loss+", LossWeighting.mgda(Convention.LIBMTL,
                io.github.branchwise.annotations.MgdaNormalization.LOSS_PLUS,
                io.github.branchwise.annotations.HeadGradients.PLAIN));
        // LibMTL's rep_grad = True: the weights from the representation's gradients, summed over the batch.
        strategies.put("MGDA_rep", LossWeighting.mgda(Convention.LIBMTL,
                io.github.branchwise.annotations.MgdaNormalization.NONE,
                io.github.branchwise.annotations.HeadGradients.PLAIN,
                io.github.branchwise.annotations.GradientSource.REPRESENTATION_BATCH_SUM));
        strategies.put("MGDA_l2_rep", LossWeighting.mgda(Convention.LIBMTL,
                io.github.branchwise.annotations.MgdaNormalization.L2,
                io.github.branchwise.annotations.HeadGradients.PLAIN,
                io.github.branchwise.annotations.GradientSource.REPRESENTATION_BATCH_SUM));
        strategies.put("GradNorm_rep", LossWeighting.gradNorm(1.5, "",
                io.github.branchwise.annotations.HeadGradients.PLAIN,
                io.github.branchwise.annotations.GradNormWarmup.FIRST_EPOCH,
                io.github.branchwise.annotations.GradNormScope.ALL_SHARED,
                io.github.branchwise.annotations.EpochMean.PER_EXAMPLE,
                io.github.branchwise.annotations.GradientSource.REPRESENTATION_BATCH_SUM));
        strategies.put("IMTL", LossWeighting.imtl());
        strategies.put("IMTL_rep", LossWeighting.imtl(io.github.branchwise.annotations.ImtlMode.HYBRID,
                io.github.branchwise.annotations.GradientSource.REPRESENTATION_BATCH_SUM));
        strategies.put("Aligned_MTL", LossWeighting.alignedMtl());
        strategies.put("Aligned_MTL_rep", LossWeighting.alignedMtl(
                io.github.branchwise.annotations.GradientSource.REPRESENTATION_BATCH_SUM));
        // LibMTL's GradVac_beta default, 0.5; its group types 0, 1 and 2.
        strategies.put("GradVac", LossWeighting.gradVac(0.5, io.github.branchwise.annotations.GradVacGroups.WHOLE_MODEL));
        strategies.put("GradVac_layer", LossWeighting.gradVac(0.5,
                io.github.branchwise.annotations.GradVacGroups.PER_LAYER));
        strategies.put("GradVac_matrix", LossWeighting.gradVac(0.5,
                io.github.branchwise.annotations.GradVacGroups.PER_PARAMETER));
        // FairGrad has no convention: the paper's code, LibMTL's and Branchwise's weight every parameter's gradient.
        strategies.put("FairGrad", LossWeighting.fairGrad());
        strategies.put("FairGrad_alpha2", LossWeighting.fairGrad(2.0));
        // The element-wise strategies, with LibMTL's defaults (their own defaults too); GradDrop is not compared: LibMTL
        // runs it on the representation only, with torch's generator.
        strategies.put("DB_MTL", LossWeighting.dbMtl());
        strategies.put("MoCo", LossWeighting.moco());
        strategies.put("ExcessMTL", LossWeighting.excessMtl());
        // Controls: Branchwise's own defaults, which LibMTL's numbers should not match where the conventions differ.
        strategies.put("CAGrad", LossWeighting.caGrad(0.5, 1));
        strategies.put("CAGrad_rescale2", LossWeighting.caGrad(0.8, 2));
        strategies.put("STCH", LossWeighting.stch(1.0, 1));
        strategies.put("FAMO", LossWeighting.famo(0.025, 0.001));
        strategies.put("UW_default", LossWeighting.uncertainty());
        strategies.put("GradNorm_default", LossWeighting.gradNorm());
        strategies.put("MGDA_default", LossWeighting.mgda());
        strategies.put("DWA_default", LossWeighting.dwa());
        return strategies;
    }

    /**
     * Runs every strategy and writes the results.
     *
     * @param args the input file and the output file
     * @throws IOException when a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: LibMtlComparisonMain <input> <output>");
        }
        Map<String, double[]> in = read(Path.of(args[0]));
        boolean doubles = in.get("config.double")[0] == 1;
        DataType type = doubles ? DataType.DOUBLE : DataType.FLOAT;
        double lr = in.get("config.lr")[0];
        int epochs = (int) in.get("config.epochs")[0];
        double[] sizes = in.get("config.batches");
        INDArray x = matrix(in.get("data.x"), 3, type);
        INDArray yReg = matrix(in.get("data.y_reg"), 1, type);
        INDArray yBin = matrix(in.get("data.y_bin"), 2, type);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, LossWeighting> strategy : strategies().entrySet()) {
            String name = strategy.getKey();
            Trainer trainer = Trainer.create(StrategyTest.trunkModel(WeightingSpec.fixed(1, 1)),
                    TrainingOptions.builder().seed(11).updater(new Sgd(lr)).dataType(type)
                            .weighting(strategy.getValue()).build());
            Map<String, INDArray> start = new LinkedHashMap<>();
            trainer.parameterValues().forEach((parameter, value) -> {
                if (!parameter.startsWith("weighting/")) {
                    start.put(parameter, Nd4j.createFromArray(in.get("data.start." + parameter))
                            .reshape(value.shape()).castTo(type));
                }
            });
            trainer.setParameterValues(start);
            // LibMTL's GradNorm with rep_grad trains its warm-up epoch by a backward that stops at the detached copies
            // of the representation, so its shared encoder does not move then: reproduced by freezing the trunk.
            boolean frozenWarmup = name.equals("GradNorm_rep");
            if (frozenWarmup) {
                trainer.freeze("trunk");
            }
            for (int epoch = 0; epoch < epochs; epoch++) {
                if (frozenWarmup && epoch == 1) {
                    trainer.unfreeze("trunk");
                }
                long row = 0;
                for (int batch = 0; batch < sizes.length; batch++) {
                    long to = row + (long) sizes[batch];
                    INDArray[] xs = {x.get(NDArrayIndex.interval(row, to), NDArrayIndex.all()).dup()};
                    INDArray[] ys = {yReg.get(NDArrayIndex.interval(row, to), NDArrayIndex.all()).dup(),
                        yBin.get(NDArrayIndex.interval(row, to), NDArrayIndex.all()).dup()};
                    double[] before = trainer.weights();
                    Losses losses = trainer.fit(xs, ys);
                    String at = name + ".epoch" + epoch + ".batch" + batch;
                    out.add(line(at + ".losses", losses.branchLosses()));
                    out.add(line(at + ".weights_before", before));
                    out.add(line(at + ".weights_after", trainer.weights()));
                    row = to;
                }
                trainer.endEpoch();
            }
            trainer.parameterValues().forEach((parameter, value) -> {
                if (!parameter.startsWith("weighting/")) {
                    out.add(line(name + ".final." + parameter, value.reshape(-1).toDoubleVector()));
                }
            });
        }
        Files.write(Path.of(args[1]), out, StandardCharsets.UTF_8);
    }

    private static INDArray matrix(double[] values, int columns, DataType type) {
        return Nd4j.createFromArray(values).reshape(values.length / columns, columns).castTo(type);
    }

    private static String line(String key, double[] values) {
        StringBuilder text = new StringBuilder(key).append(" =");
        for (double v : values) {
            text.append(' ').append(String.format(Locale.ROOT, "%.17g", v));
        }
        return text.toString();
    }

    private static Map<String, double[]> read(Path file) throws IOException {
        Map<String, double[]> values = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" = ", 2);
            values.put(parts[0].trim(), Arrays.stream(parts[1].trim().split(" "))
                    .mapToDouble(Double::parseDouble).toArray());
        }
        return values;
    }
}
