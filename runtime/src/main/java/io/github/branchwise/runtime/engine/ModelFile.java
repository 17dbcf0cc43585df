package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.ModelFileException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Branchwise model file: a header that says what the file is, then a payload of named arrays.
 *
 * <pre>
 * magic        8 bytes   0x89 'B' 'R' 'W' '\r' '\n' 0x1A '\n' (PNG-style: catches text-mode and truncation damage)
 * version      int       {@value #FORMAT_VERSION}
 * model class  UTF       the fully qualified name of the annotated model class
 * length       long      the payload's length in bytes
 * sha-256      32 bytes  of the payload
 * payload      seed (long), data type (UTF), optimisers (UTF: JSON object from parameter group, "" for the
 *              default, to ND4J's JSON of the updater), iteration (long), epoch (long),
 *              the arrays in {@link ArrayCodec}'s encoding (count, then name, type, rank, shape and values of each);
 *              version 2 only: attachment count (int), then per attachment: name (UTF), length (int), bytes
 * </pre>
 *
 * <p>Version 2 differs from version 1 only by the attachments: named byte blobs that layers above the engine keep
 * with the model (a training run's history and loop state in a checkpoint). A file without attachments is written
 * as version 1, byte for byte as before; both versions are read.
 *
 * <p>The graph is not in the file: it is rebuilt from the model class, so a file holds data only and the bytes
 * never reach ND4J's FlatBuffers loader, which crashes the JVM on some corrupt inputs. The length and checksum are
 * verified before anything is parsed, and the parser bounds every count by the bytes left. Files are written to a
 * temporary file in the same folder, forced to disk, then renamed over the target, so a crash leaves either the
 * old file or the new one.
 */
public final class ModelFile {
    static final int FORMAT_VERSION = 1;
    /** The version of files with attachments. */
    static final int FORMAT_VERSION_ATTACHMENTS = 2;
    private static final int MAX_ATTACHMENTS = 1 << 16;
    private static final byte[] MAGIC = {(byte) 0x89, 'B', 'R', 'W', '\r', '\n', 0x1A, '\n'};
    /** Temporary files start with this prefix and are never valid model files. */
    static final String TEMP_PREFIX = ".branchwise-tmp-";

    /** What a model file holds. */
    public record Contents(String modelName, long seed, DataType dataType, String updaterJson, long iteration, long epoch,
                    Map<String, INDArray> arrays, Map<String, byte[]> attachments) {
        Contents(String modelName, long seed, DataType dataType, String updaterJson, long iteration, long epoch,
                 Map<String, INDArray> arrays) {
            this(modelName, seed, dataType, updaterJson, iteration, epoch, arrays, Map.of());
        }
    }

    private ModelFile() {
    }

    public static void write(Path file, Contents contents) throws IOException {
        ByteArrayOutputStream payloadBytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(payloadBytes)) {
            out.writeLong(contents.seed());
            out.writeUTF(contents.dataType().name());
            out.writeUTF(contents.updaterJson());
            out.writeLong(contents.iteration());
            out.writeLong(contents.epoch());
            ArrayCodec.write(out, contents.arrays());
            if (!contents.attachments().isEmpty()) {
                out.writeInt(contents.attachments().size());
                for (Map.Entry<String, byte[]> entry : contents.attachments().entrySet()) {
                    out.writeUTF(entry.getKey());
                    out.writeInt(entry.getValue().length);
                    out.write(entry.getValue());
                }
            }
        }
        int version = contents.attachments().isEmpty() ? FORMAT_VERSION : FORMAT_VERSION_ATTACHMENTS;
        byte[] payload = payloadBytes.toByteArray();
        ByteArrayOutputStream fileBytes = new ByteArrayOutputStream(payload.length + 128);
        try (DataOutputStream out = new DataOutputStream(fileBytes)) {
            out.write(MAGIC);
            out.writeInt(version);
            out.writeUTF(contents.modelName());
            out.writeLong(payload.length);
            out.write(sha256(payload));
            out.write(payload);
        }
        writeAtomically(file, fileBytes.toByteArray());
    }

    public static Contents read(Path file, String expectedModel) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (OutOfMemoryError e) {
            throw new ModelFileException(file, "too large to be a model file");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        try {
            if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
                throw new ModelFileException(file, "not a Branchwise model file (" + bytes.length
                        + " bytes, wrong magic number)");
            }
            in.skipBytes(MAGIC.length);
            int version = in.readInt();
            if (version != FORMAT_VERSION && version != FORMAT_VERSION_ATTACHMENTS) {
                throw new ModelFileException(file, "format version " + version + " is not supported; this "
                        + "Branchwise reads versions " + FORMAT_VERSION + " and " + FORMAT_VERSION_ATTACHMENTS);
            }
            String modelName = in.readUTF();
            if (!modelName.equals(expectedModel)) {
                throw new ModelFileException(file, "holds a model of class " + modelName + ", not " + expectedModel);
            }
            long length = in.readLong();
            byte[] digest = new byte[32];
            in.readFully(digest);
            int headerLength = bytes.length - in.available();
            if (length != bytes.length - headerLength) {
                throw new ModelFileException(file, "the header announces " + length + " payload bytes but the file "
                        + "has " + (bytes.length - headerLength) + ": it is truncated or altered");
            }
            byte[] payload = Arrays.copyOfRange(bytes, headerLength, bytes.length);
            if (!MessageDigest.isEqual(digest, sha256(payload))) {
                throw new ModelFileException(file, "checksum mismatch: the file was altered or damaged");
            }
            return readPayload(file, modelName, version, payload);
        } catch (EOFException e) {
            throw new ModelFileException(file, "truncated header (" + bytes.length + " bytes)", e);
        } catch (UTFDataFormatException e) {
            // A damaged class name: DataInput.readUTF refuses malformed modified UTF-8 with a plain IOException.
            throw new ModelFileException(file, "the model class name in the header is not valid text: it is "
                    + "damaged", e);
        }
    }

    private static Contents readPayload(Path file, String modelName, int version, byte[] payload)
            throws IOException {
        // The checksum matched, so this is a file we wrote; the bounds checks guard against a format bug turning
        // into an allocation of absurd size.
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        try {
            long seed = in.readLong();
            DataType dataType = DataType.valueOf(in.readUTF());
            if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
                throw new ModelFileException(file, "data type " + dataType + " is not FLOAT or DOUBLE");
            }
            String updater = in.readUTF();
            long iteration = in.readLong();
            long epoch = in.readLong();
            // The trainer hands both to ND4J's updaters as int; a negative step breaks Adam's bias correction.
            if (iteration < 0 || iteration > Integer.MAX_VALUE || epoch < 0 || epoch > Integer.MAX_VALUE) {
                throw new ModelFileException(file, "invalid step counters: iteration " + iteration + ", epoch "
                        + epoch);
            }
            Map<String, INDArray> arrays = ArrayCodec.read(file, in);
            Map<String, byte[]> attachments = new LinkedHashMap<>();
            if (version == FORMAT_VERSION_ATTACHMENTS) {
                if (in.available() < Integer.BYTES) {
                    throw new ModelFileException(file, "format version " + version + " announces attachments but "
                            + "the payload ends before them");
                }
                int attachmentCount = in.readInt();
                if (attachmentCount < 0 || attachmentCount > MAX_ATTACHMENTS) {
                    throw new ModelFileException(file, "invalid attachment count " + attachmentCount);
                }
                for (int i = 0; i < attachmentCount; i++) {
                    String name = in.readUTF();
                    int length = in.readInt();
                    if (length < 0 || length > in.available()) {
                        throw new ModelFileException(file, "attachment '" + name + "' has an invalid length");
                    }
                    byte[] data = new byte[length];
                    in.readFully(data);
                    attachments.put(name, data);
                }
            }
            if (in.available() != 0) {
                throw new ModelFileException(file, in.available() + " unexpected bytes after the last "
                        + (version == FORMAT_VERSION ? "array" : "attachment"));
            }
            return new Contents(modelName, seed, dataType, updater, iteration, epoch, arrays, attachments);
        } catch (EOFException e) {
            throw new ModelFileException(file, "malformed payload: it ends before its last array", e);
        } catch (UTFDataFormatException | IllegalArgumentException e) {
            throw new ModelFileException(file, "malformed payload: " + e.getMessage(), e);
        }
    }

    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: it creates the file with mode 0600, and the renamed model would keep it; a
        // plain CREATE_NEW honours the umask like any other file the user writes.
        Path temp = dir.resolve(TEMP_PREFIX + java.util.UUID.randomUUID() + ".part");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Makes the rename durable; not every file system lets a directory be opened, which is then not an error. */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the data itself is already on disk.
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
