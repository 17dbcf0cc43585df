package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.engine.ArrayCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a {@link Fitting} is, beyond the model: the history, the position inside the epoch, the running sums of the
 * epoch's columns and early stopping's progress (best value, epoch and parameters, patience used). It owns how a
 * checkpoint keeps all of it, as attachments of the model file ({@link #toAttachments}, {@link #fromAttachments}),
 * so that a resumed fitting continues exactly as the uninterrupted one. The fitting's loop reads and updates the
 * fields directly; not for concurrent use.
 */
final class FitState {
    static final String HISTORY_ATTACHMENT = "training/history";
    static final String STATE_ATTACHMENT = "training/state";
    /**
     * Early stopping's best parameters, in {@code ArrayCodec}'s encoding (the model file's). Before that codec was
     * shared, they were kept under {@link #OLD_BEST_ATTACHMENT} in an encoding of their own, which is no longer read.
     */
    static final String BEST_ATTACHMENT = "training/best-parameters";
    static final String OLD_BEST_ATTACHMENT = "training/best";
    private static final int STATE_VERSION = 1;

    History history;
    /** Batches of the current epoch already trained. */
    long batchInEpoch;
    /** Running sums of the current epoch, by history column: {sum, count}. */
    final Map<String, double[]> epochSums = new LinkedHashMap<>();
    double bestValue = Double.NaN;
    long bestEpoch = -1;
    long epochsWithoutImprovement;
    boolean stoppedEarly;
    Map<String, INDArray> bestParameters;

    /** The state of a fitting that has not trained yet: an empty history for these branches. */
    FitState(List<String> branches) {
        this.history = new History(branches);
    }

    /** Adds to a column's running sum for the current epoch. */
    void add(String column, double sum, double count) {
        double[] s = epochSums.computeIfAbsent(column, c -> new double[2]);
        s[0] += sum;
        s[1] += count;
    }

    /** A column's mean over the current epoch so far; NaN when nothing was counted. */
    double mean(String column) {
        double[] s = epochSums.get(column);
        return s == null || s[1] == 0 ? Double.NaN : s[0] / s[1];
    }

    /** Forgets the current epoch's position and sums, when it ends. */
    void epochEnded() {
        epochSums.clear();
        batchInEpoch = 0;
    }

    /** The attachments a checkpoint keeps this state in; the history's step rows only {@code withSteps}. */
    Map<String, byte[]> toAttachments(boolean withSteps) {
        Map<String, byte[]> attachments = new LinkedHashMap<>();
        attachments.put(HISTORY_ATTACHMENT, history.toBytes(withSteps));
        attachments.put(STATE_ATTACHMENT, loopBytes());
        if (bestParameters != null) {
            attachments.put(BEST_ATTACHMENT, ArrayCodec.toBytes(bestParameters));
        }
        return attachments;
    }

    /**
     * Restores what {@link #toAttachments} saved in {@code checkpoint}; attachments that are absent leave their part
     * as it is.
     *
     * @throws ModelFileException naming the checkpoint when an attachment cannot be read
     */
    void fromAttachments(Path checkpoint, Map<String, byte[]> attachments) throws ModelFileException {
        if (attachments.containsKey(OLD_BEST_ATTACHMENT)) {
            throw new ModelFileException(checkpoint, "holds early stopping's best parameters in the encoding of "
                    + "an older Branchwise (attachment '" + OLD_BEST_ATTACHMENT + "'), which this version no "
                    + "longer reads; resume from a checkpoint written by this version");
        }
        try {
            if (attachments.containsKey(HISTORY_ATTACHMENT)) {
                history = History.fromBytes(attachments.get(HISTORY_ATTACHMENT));
            }
            if (attachments.containsKey(STATE_ATTACHMENT)) {
                readLoop(attachments.get(STATE_ATTACHMENT));
            }
            if (attachments.containsKey(BEST_ATTACHMENT)) {
                bestParameters = ArrayCodec.fromBytes(checkpoint, attachments.get(BEST_ATTACHMENT));
            }
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(checkpoint, "unreadable training state: " + e.getMessage(), e);
        }
    }

    private byte[] loopBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(STATE_VERSION);
            out.writeLong(batchInEpoch);
            out.writeInt(epochSums.size());
            for (Map.Entry<String, double[]> entry : epochSums.entrySet()) {
                out.writeUTF(entry.getKey());
                out.writeDouble(entry.getValue()[0]);
                out.writeDouble(entry.getValue()[1]);
            }
            out.writeDouble(bestValue);
            out.writeLong(bestEpoch);
            out.writeLong(epochsWithoutImprovement);
            out.writeBoolean(stoppedEarly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private void readLoop(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int version = in.readInt();
        if (version != STATE_VERSION) {
            throw new IOException("training state format " + version + " is not supported");
        }
        batchInEpoch = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > data.length) {
            throw new IOException("invalid count " + n);
        }
        for (int i = 0; i < n; i++) {
            epochSums.put(in.readUTF(), new double[] {in.readDouble(), in.readDouble()});
        }
        bestValue = in.readDouble();
        bestEpoch = in.readLong();
        epochsWithoutImprovement = in.readLong();
        stoppedEarly = in.readBoolean();
    }
}
