package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.engine.ArrayCodec;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Model files and checkpoints read their arrays with one codec ({@link ArrayCodec}): an array cut short is refused
 * with the same message, naming the file and the array, wherever it sits.
 */
class DamagedArraysTest {
    private static final ModelSpec SPEC = TrainingModels.regression();
    private static final String PARAMETER = "y/dense_0/W";

    @Test
    void anArrayCutShortIsRefusedAlikeInAModelFileAndInACheckpoint(@TempDir Path dir) throws IOException {
        Trainer trainer = Trainer.create(SPEC, TrainingOptions.defaults());
        INDArray weights = trainer.parameterValues().get(PARAMETER);

        // A model file whose checksum is valid (forged, or written by a buggy writer) but whose payload ends inside
        // the first array's values: the checksum cannot catch it, the codec must.
        Path modelFile = dir.resolve("model.bwm");
        byte[] arrays = ArrayCodec.toBytes(Map.of("param/" + PARAMETER, weights));
        Files.write(modelFile, modelFile(SPEC.modelName(), Arrays.copyOf(arrays, arrays.length - 3)));
        ModelFileException inModel = assertThrows(ModelFileException.class, () -> Trainer.load(SPEC, modelFile));

        // A checkpoint whose early-stopping attachment holds the same array cut short.
        Path checkpoint = dir.resolve("checkpoint.bwm");
        byte[] best = ArrayCodec.toBytes(Map.of(PARAMETER, weights));
        trainer.save(checkpoint, Map.of(FitState.BEST_ATTACHMENT, Arrays.copyOf(best, best.length - 3)));
        ModelFileException inCheckpoint = assertThrows(ModelFileException.class,
                () -> Fitting.resume(SPEC, checkpoint));

        // 3 float values announced ([3, 1]), 9 of their 12 bytes left.
        assertEquals(modelFile + ": array 'param/" + PARAMETER + "' is cut short: shape [3, 1] needs 12 bytes, 9 left",
                inModel.getMessage());
        assertEquals(checkpoint + ": array '" + PARAMETER + "' is cut short: shape [3, 1] needs 12 bytes, 9 left",
                inCheckpoint.getMessage());
        assertEquals(modelFile, inModel.file());
        assertEquals(checkpoint, inCheckpoint.file());
    }

    @Test
    void aCheckpointWithTheOldEncodingOfTheBestParametersIsRefusedClearly(@TempDir Path dir) throws IOException {
        // Before the codec was shared, Fitting kept the best parameters under "training/best" in its own encoding
        // (count, then name, type name, rank, shape and doubles); such a checkpoint is refused, not misread.
        Path checkpoint = dir.resolve("old.bwm");
        Trainer.create(SPEC, TrainingOptions.defaults()).save(checkpoint,
                Map.of(FitState.OLD_BEST_ATTACHMENT, new byte[] {0, 0, 0, 0}));
        ModelFileException e = assertThrows(ModelFileException.class, () -> Fitting.resume(SPEC, checkpoint));
        assertTrue(e.getMessage().startsWith(checkpoint + ": ") && e.getMessage().contains("older Branchwise")
                && e.getMessage().contains("'training/best'"), e.getMessage());
    }

    /** A model file (format version 1) around {@code arrays}, with a valid length and checksum. */
    private static byte[] modelFile(String modelName, byte[] arrays) throws IOException {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payload)) {
            out.writeLong(0);
            out.writeUTF("FLOAT");
            out.writeUTF("{}");
            out.writeLong(0);
            out.writeLong(0);
            out.write(arrays);
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(file)) {
            out.write(new byte[] {(byte) 0x89, 'B', 'R', 'W', '\r', '\n', 0x1A, '\n'});
            out.writeInt(1);
            out.writeUTF(modelName);
            out.writeLong(payload.size());
            out.write(sha256(payload.toByteArray()));
            out.write(payload.toByteArray());
        }
        return file.toByteArray();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
