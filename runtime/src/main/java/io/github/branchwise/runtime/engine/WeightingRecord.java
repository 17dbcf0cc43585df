package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.ModelFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A {@link LossWeighting} as the JSON a model file keeps, so that a model trained with a weighting chosen at run time
 * loads with the same strategy: every attribute by its {@code @WeightedLoss} name, classes by their binary name.
 * Reading goes back through {@link LossWeighting}'s factories, so a damaged or hand-edited record meets the same
 * checks as a user's choice. The convention attributes came later: a record without them was written with the
 * defaults, {@link Convention#BRANCHWISE}'s, and reads back so.
 */
final class WeightingRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WeightingRecord() {
    }

    static byte[] write(LossWeighting weighting) throws IOException {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("weighting", weighting.weighting().name());
        record.put("initial", weighting.initial());
        record.put("min", weighting.min());
        record.put("max", weighting.max());
        record.put("weights", weighting.weights());
        record.put("endWeights", weighting.endWeights());
        record.put("ramp", weighting.ramp().name());
        record.put("rampLength", weighting.rampLength());
        record.put("rampUnit", weighting.rampUnit().name());
        record.put("schedule", weighting.schedule().getName());
        record.put("temperature", weighting.temperature());
        record.put("asymmetry", weighting.asymmetry());
        record.put("sharedLayer", weighting.sharedLayer());
        record.put("strategy", weighting.strategy().getName());
        record.put("convention", weighting.convention().name());
        record.put("headGradients", weighting.headGradients().name());
        record.put("mgdaNormalization", weighting.mgdaNormalization().name());
        record.put("uncertaintyScale", weighting.uncertaintyScale().name());
        record.put("initialLogVariance", weighting.initialLogVariance());
        record.put("gradNormWarmup", weighting.gradNormWarmup().name());
        record.put("gradNormScope", weighting.gradNormScope().name());
        record.put("pcGradOrder", weighting.pcGradOrder().name());
        record.put("epochMean", weighting.epochMean().name());
        record.put("gradientSource", weighting.gradientSource().name());
        record.put("caGradRadius", weighting.caGradRadius());
        record.put("caGradRescale", weighting.caGradRescale());
        record.put("stchMu", weighting.stchMu());
        record.put("stchWarmupEpochs", weighting.stchWarmupEpochs());
        record.put("famoLearningRate", weighting.famoLearningRate());
        record.put("famoWeightDecay", weighting.famoWeightDecay());
        record.put("imtlMode", weighting.imtlMode().name());
        record.put("gradVacBeta", weighting.gradVacBeta());
        record.put("gradVacGroups", weighting.gradVacGroups().name());
        record.put("sdmGradLambda", weighting.sdmGradLambda());
        record.put("sdmGradIterations", weighting.sdmGradIterations());
        record.put("modoGamma", weighting.modoGamma());
        record.put("modoRho", weighting.modoRho());
        record.put("nashMtlMaxNorm", weighting.nashMtlMaxNorm());
        record.put("nashMtlUpdateEvery", weighting.nashMtlUpdateEvery());
        record.put("fairGradAlpha", weighting.fairGradAlpha());
        record.put("gradDropLeak", weighting.gradDropLeak());
        record.put("dbMtlBeta", weighting.dbMtlBeta());
        record.put("dbMtlBetaSigma", weighting.dbMtlBetaSigma());
        record.put("mocoBeta", weighting.mocoBeta());
        record.put("mocoBetaSigma", weighting.mocoBetaSigma());
        record.put("mocoGamma", weighting.mocoGamma());
        record.put("mocoGammaSigma", weighting.mocoGammaSigma());
        record.put("mocoRho", weighting.mocoRho());
        record.put("excessMtlStepSize", weighting.excessMtlStepSize());
        return JSON.writeValueAsBytes(record);
    }

    static LossWeighting read(Path file, byte[] bytes, ClassLoader loader) throws ModelFileException {
        try {
            JsonNode record = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
            Weighting weighting = Weighting.valueOf(text(record, "weighting"));
            Convention defaults = Convention.BRANCHWISE;
            return switch (weighting) {
                case FIXED -> LossWeighting.fixed(doubles(record, "weights"));
                case TRAINABLE -> LossWeighting.trainable(number(record, "initial"), number(record, "min"),
                        number(record, "max"));
                case SCHEDULED -> record.path("schedule").asText().equals("void")
                        ? LossWeighting.scheduled(doubles(record, "weights"), doubles(record, "endWeights"),
                                Ramp.valueOf(text(record, "ramp")), record.path("rampLength").asLong(),
                                RampUnit.valueOf(text(record, "rampUnit")))
                        : LossWeighting.scheduled(type(text(record, "schedule"), loader));
                case UNCERTAINTY -> LossWeighting.uncertainty(
                        constant(record, "uncertaintyScale", UncertaintyScale.class, defaults.uncertaintyScale()),
                        record.has("initialLogVariance") ? number(record, "initialLogVariance")
                                : defaults.initialLogVariance());
                case DWA -> LossWeighting.dwa(number(record, "temperature"),
                        constant(record, "epochMean", EpochMean.class, defaults.epochMean()));
                case RLW -> LossWeighting.rlw();
                case GLS -> LossWeighting.gls();
                case GRADNORM -> LossWeighting.gradNorm(number(record, "asymmetry"), text(record, "sharedLayer"),
                        constant(record, "headGradients", HeadGradients.class, defaults.headGradients()),
                        constant(record, "gradNormWarmup", GradNormWarmup.class, defaults.gradNormWarmup()),
                        constant(record, "gradNormScope", GradNormScope.class, defaults.gradNormScope()),
                        constant(record, "epochMean", EpochMean.class, defaults.epochMean()),
                        constant(record, "gradientSource", GradientSource.class, defaults.gradientSource()));
                case PCGRAD -> LossWeighting.pcGrad(
                        constant(record, "pcGradOrder", PcGradOrder.class, defaults.pcGradOrder()));
                case MGDA -> LossWeighting.mgda(constant(record, "convention", Convention.class, defaults),
                        constant(record, "mgdaNormalization", MgdaNormalization.class, defaults.mgdaNormalization()),
                        constant(record, "headGradients", HeadGradients.class, defaults.headGradients()),
                        constant(record, "gradientSource", GradientSource.class, defaults.gradientSource()));
                case CAGRAD -> LossWeighting.caGrad(number(record, "caGradRadius"),
                        record.path("caGradRescale").asInt(-1));
                case STCH -> LossWeighting.stch(number(record, "stchMu"), integer(record, "stchWarmupEpochs"));
                case FAMO -> LossWeighting.famo(number(record, "famoLearningRate"),
                        number(record, "famoWeightDecay"));
                case IMTL -> LossWeighting.imtl(ImtlMode.valueOf(text(record, "imtlMode")),
                        GradientSource.valueOf(text(record, "gradientSource")));
                case ALIGNED_MTL -> LossWeighting.alignedMtl(GradientSource.valueOf(text(record, "gradientSource")));
                case GRADVAC -> LossWeighting.gradVac(number(record, "gradVacBeta"),
                        GradVacGroups.valueOf(text(record, "gradVacGroups")));
                case SDMGRAD -> LossWeighting.sdmGrad(number(record, "sdmGradLambda"),
                        Math.toIntExact(integer(record, "sdmGradIterations")));
                case MODO -> LossWeighting.moDo(number(record, "modoGamma"), number(record, "modoRho"));
                case UPGRAD -> LossWeighting.upGrad();
                case NASH_MTL -> LossWeighting.nashMtl(number(record, "nashMtlMaxNorm"),
                        record.path("nashMtlUpdateEvery").asInt(0));
                case FAIRGRAD -> LossWeighting.fairGrad(number(record, "fairGradAlpha"));
                case GRADDROP -> LossWeighting.gradDrop(number(record, "gradDropLeak"));
                case DB_MTL -> LossWeighting.dbMtl(number(record, "dbMtlBeta"), number(record, "dbMtlBetaSigma"));
                case MOCO -> LossWeighting.moco(number(record, "mocoBeta"), number(record, "mocoBetaSigma"),
                        number(record, "mocoGamma"), number(record, "mocoGammaSigma"), number(record, "mocoRho"));
                case EXCESS_MTL -> LossWeighting.excessMtl(number(record, "excessMtlStepSize"));
                case CUSTOM -> LossWeighting.custom(type(text(record, "strategy"), loader));
            };
        } catch (ClassNotFoundException e) {
            throw new ModelFileException(file, "was trained with a weighting whose class " + e.getMessage()
                    + " is not on the class path", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(file, "unreadable weighting record: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode record, String name) {
        JsonNode node = record.get(name);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException("'" + name + "' is missing or not text");
        }
        return node.asText();
    }

    /** The constant named by a text field, or {@code absent} in a record written before the field existed. */
    private static <E extends Enum<E>> E constant(JsonNode record, String name, Class<E> type, E absent) {
        return record.has(name) ? Enum.valueOf(type, text(record, name)) : absent;
    }

    private static double number(JsonNode record, String name) {
        JsonNode node = record.get(name);
        if (node == null || !node.isNumber()) {
            throw new IllegalArgumentException("'" + name + "' is missing or not a number");
        }
        return node.asDouble();
    }

    private static long integer(JsonNode record, String name) {
        JsonNode node = record.get(name);
        if (node == null || !node.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + name + "' is missing or not a whole number");
        }
        return node.asLong();
    }

    private static double[] doubles(JsonNode record, String name) {
        JsonNode node = record.get(name);
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("'" + name + "' is missing or not an array");
        }
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            if (!node.get(i).isNumber()) {
                throw new IllegalArgumentException("'" + name + "' holds " + node.get(i) + ", not a number");
            }
            values[i] = node.get(i).asDouble();
        }
        return values;
    }

    private static Class<?> type(String name, ClassLoader loader) throws ClassNotFoundException {
        return Class.forName(name, false, loader);
    }
}
