package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The model-file fuzz, run in a child JVM by {@link ModelFileFuzzTest} so that a native crash kills this process and
 * fails the test instead of the test runner.
 *
 * <p>Saves a trained Detector (Adam, so optimiser state is in the file), then loads well over 1,000 damaged variants.
 * Damage that a checksum can see (truncation at every length, a bit flip in every byte, every bit of the header,
 * bytes set, inserted, deleted, appended, wrong magic, versions, lengths and checksums, garbage, other files) must be
 * refused with {@link ModelFileException} or load a model with predictions identical to the original. Files forged
 * with a valid checksum but invalid content (what a bug in a writer or a hand-edited file gives) must be refused with
 * {@link ModelFileException} or load a model that can predict; the ones that break an invariant of the model (wrong
 * data type, negative step counter, optimiser state of the wrong size...) must be refused.
 *
 * <p>Prints {@code case <n> <name>} before each load (flushed, so a crash names its case), a line per failure, a
 * summary per category, and {@code RESULT cases=... failures=...}; exits 0 only without failures.
 */
public final class ModelFileFuzzMain {
    private static final byte[] MAGIC = {(byte) 0x89, 'B', 'R', 'W', '\r', '\n', 0x1A, '\n'};

    private enum Expect {
        /** Must throw ModelFileException. */
        REFUSED,
        /** ModelFileException, or a model whose predictions equal the original's bit for bit. */
        REFUSED_OR_IDENTICAL,
        /** ModelFileException, or a model that predicts without error (content may differ: the checksum is valid). */
        REFUSED_OR_USABLE
    }

    private record Case(String category, String name, byte[] bytes, Expect expect, String messageFragment) {
    }

    private final List<Case> cases = new ArrayList<>();
    private final Random random = new Random(20240601);

    private ModelFileFuzzMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int failures = new ModelFileFuzzMain().run(dir, out);
        System.exit(failures == 0 ? 0 : 1);
    }

    private int run(Path dir, PrintStream out) throws Exception {
        ModelSpec spec = TestModels.detector();
        Random data = new Random(1);
        Trainer original = Trainer.create(spec, TrainingOptions.builder().updater(new Adam(0.01)).build());
        for (int i = 0; i < 3; i++) {
            original.fit(TestData.inputs(spec, 4, data, DataType.FLOAT),
                    TestData.targets(spec, 4, data, DataType.FLOAT));
        }
        Path saved = dir.resolve("original.bw");
        original.save(saved);
        byte[] file = Files.readAllBytes(saved);
        INDArray[] probe = TestData.inputs(spec, 3, data, DataType.FLOAT);
        INDArray[] expected = original.predictor().predict(probe);
        // The file we start from loads and predicts the same: otherwise every "identical" verdict is meaningless.
        requireIdentical(expected, Trainer.load(spec, saved).predictor().predict(probe));

        Path otherFile = dir.resolve("other.bw");
        Trainer.create(TestModels.twoInputs(WeightingSpec.fixed(1, 1)), TrainingOptions.defaults()).save(otherFile);
        Path sameDiffFile = dir.resolve("samediff.fb");
        TrainerAccess.network(original).sameDiff().save(sameDiffFile.toFile(), true);

        addChecksumVisibleDamage(file);
        addHeaderDamage(file);
        addGarbage(Files.readAllBytes(otherFile), Files.readAllBytes(sameDiffFile), file);
        addForgedContent(file, original);

        Path target = dir.resolve("case.bw");
        Map<String, int[]> summary = new TreeMap<>();
        Map<String, java.util.Set<String>> messages = new TreeMap<>();
        int failures = 0;
        for (int n = 0; n < cases.size(); n++) {
            Case c = cases.get(n);
            out.println("case " + n + " " + c.category() + ": " + c.name());
            Files.write(target, c.bytes());
            int[] counts = summary.computeIfAbsent(c.category(), k -> new int[4]);
            counts[0]++;
            String failure = null;
            try {
                Trainer loaded = Trainer.load(spec, target);
                INDArray[] actual = loaded.predictor().predict(probe);
                if (c.expect() == Expect.REFUSED) {
                    failure = "loaded, but must be refused";
                } else if (c.expect() == Expect.REFUSED_OR_IDENTICAL) {
                    if (!identical(expected, actual)) {
                        failure = "loaded a model with DIFFERENT predictions";
                    } else {
                        counts[2]++;
                    }
                } else {
                    counts[3]++;
                }
            } catch (ModelFileException e) {
                counts[1]++;
                // Each distinct message once per category (paths stripped), for docs/robustness.md.
                String message = String.valueOf(e.getMessage()).replace(target.toString(), "<file>")
                        .replaceAll("\\d+", "N");
                java.util.Set<String> seen = messages.computeIfAbsent(c.category(), k -> new java.util.TreeSet<>());
                if (seen.size() < 6 && seen.add(message)) {
                    out.println("MESSAGE " + c.category() + " | " + message);
                }
                if (e.getMessage() == null || !e.getMessage().startsWith(target.toString())) {
                    failure = "ModelFileException without the file name: " + e.getMessage();
                } else if (c.messageFragment() != null && !e.getMessage().contains(c.messageFragment())) {
                    failure = "message lacks '" + c.messageFragment() + "': " + e.getMessage();
                }
            } catch (Throwable e) {
                failure = "threw " + e;
            }
            if (failure != null) {
                failures++;
                out.println("FAILURE case " + n + " " + c.category() + ": " + c.name() + ": " + failure);
            }
        }
        out.println("category | cases | refused | loaded identical | loaded (forged, valid checksum)");
        summary.forEach((category, counts) -> out.println("SUMMARY " + category + " | " + counts[0] + " | "
                + counts[1] + " | " + counts[2] + " | " + counts[3]));
        out.println("RESULT cases=" + cases.size() + " failures=" + failures + " fileBytes=" + file.length);
        return failures;
    }

    // ----- damage a checksum sees -----

    private void addChecksumVisibleDamage(byte[] file) {
        int header = headerLength(file);
        cases.add(new Case("empty", "0 bytes", new byte[0], Expect.REFUSED_OR_IDENTICAL, null));
        for (int length = 1; length < file.length; length++) {
            cases.add(new Case("truncated in " + region(file, length), "first " + length + " bytes",
                    Arrays.copyOf(file, length), Expect.REFUSED_OR_IDENTICAL, null));
        }
        for (int i = 0; i < file.length; i++) {
            int bit = i < header ? -1 : (i * 7 + 3) % 8;
            for (int b = 0; b < 8; b++) {
                if (bit >= 0 && b != bit) {
                    continue;
                }
                byte[] flipped = file.clone();
                flipped[i] ^= (byte) (1 << b);
                cases.add(new Case("bit flip in " + region(file, i), "byte " + i + " bit " + b, flipped,
                        Expect.REFUSED_OR_IDENTICAL, null));
            }
        }
        for (int i = 0; i < file.length; i += 11) {
            for (byte value : new byte[] {0, (byte) 0xFF}) {
                if (file[i] != value) {
                    byte[] set = file.clone();
                    set[i] = value;
                    cases.add(new Case("byte set in " + region(file, i), "byte " + i + " = " + (value & 0xFF), set,
                            Expect.REFUSED_OR_IDENTICAL, null));
                }
            }
        }
        for (int i = 0; i <= file.length; i += 13) {
            byte[] inserted = new byte[file.length + 1];
            System.arraycopy(file, 0, inserted, 0, i);
            inserted[i] = (byte) random.nextInt(256);
            System.arraycopy(file, i, inserted, i + 1, file.length - i);
            cases.add(new Case("byte inserted in " + region(file, Math.min(i, file.length - 1)), "at " + i, inserted,
                    Expect.REFUSED_OR_IDENTICAL, null));
            if (i < file.length) {
                byte[] deleted = new byte[file.length - 1];
                System.arraycopy(file, 0, deleted, 0, i);
                System.arraycopy(file, i + 1, deleted, i, file.length - i - 1);
                cases.add(new Case("byte deleted in " + region(file, i), "at " + i, deleted,
                        Expect.REFUSED_OR_IDENTICAL, null));
            }
        }
        byte[] twice = Arrays.copyOf(file, 2 * file.length);
        System.arraycopy(file, 0, twice, file.length, file.length);
        cases.add(new Case("appended", "the file twice", twice, Expect.REFUSED_OR_IDENTICAL, null));
        cases.add(new Case("appended", "one zero byte", Arrays.copyOf(file, file.length + 1),
                Expect.REFUSED_OR_IDENTICAL, null));
        byte[] tail = Arrays.copyOf(file, file.length + 1000);
        for (int i = file.length; i < tail.length; i++) {
            tail[i] = (byte) random.nextInt(256);
        }
        cases.add(new Case("appended", "1000 random bytes", tail, Expect.REFUSED_OR_IDENTICAL, null));
        // Bursts: a run of random bytes overwriting part of the file, as a bad sector or a concurrent writer would.
        for (int k = 0; k < 60; k++) {
            byte[] burst = file.clone();
            int at = random.nextInt(file.length);
            int length = 1 + random.nextInt(64);
            for (int i = at; i < Math.min(file.length, at + length); i++) {
                burst[i] = (byte) random.nextInt(256);
            }
            cases.add(new Case("burst in " + region(file, at), length + " random bytes at " + at, burst,
                    Expect.REFUSED_OR_IDENTICAL, null));
        }
    }

    // ----- headers: each field wrong in turn, the rest consistent -----

    private void addHeaderDamage(byte[] file) {
        byte[] payload = payload(file);
        for (int i = 0; i < MAGIC.length; i++) {
            byte[] bad = file.clone();
            bad[i] = (byte) (bad[i] + 1);
            cases.add(new Case("wrong header: magic", "magic byte " + i, bad, Expect.REFUSED, "magic"));
        }
        byte[] png = file.clone();
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, 0, png, 0, 4);
        cases.add(new Case("wrong header: magic", "PNG magic", png, Expect.REFUSED, "magic"));
        for (int version : new int[] {0, 2, 3, 255, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
            cases.add(new Case(version > ModelFile.FORMAT_VERSION ? "wrong header: newer format version"
                    : "wrong header: invalid format version", "version " + version,
                    forge(version, "test.Detector", payload), Expect.REFUSED, "format version " + version));
        }
        for (String name : new String[] {"test.TwoInputs", "", "test.Detector2", "test.detector", "Detector",
            "test.Detector\u0000", "\u00e9t\u00e9.D\u00e9tecteur"}) {
            cases.add(new Case("wrong header: other model class", "class '" + name + "'",
                    forge(ModelFile.FORMAT_VERSION, name, payload), Expect.REFUSED, "holds a model of class"));
        }
        int nameAt = MAGIC.length + 4;
        int nameLength = ((file[nameAt] & 0xFF) << 8) | (file[nameAt + 1] & 0xFF);
        int lengthAt = nameAt + 2 + nameLength;
        for (int delta : new int[] {1, -1, 2, 1000, -nameLength, 0xFFFF - nameLength}) {
            byte[] bad = file.clone();
            int n = (nameLength + delta) & 0xFFFF;
            bad[nameAt] = (byte) (n >> 8);
            bad[nameAt + 1] = (byte) n;
            cases.add(new Case("wrong header: class name length", "length " + n, bad, Expect.REFUSED, null));
        }
        // Invalid modified UTF-8 in the class name: DataInput.readUTF throws UTFDataFormatException on these.
        for (byte[] invalid : new byte[][] {{(byte) 0xC0}, {(byte) 0xE0, (byte) 0x80}, {(byte) 0x80},
            {(byte) 0xFF}, {(byte) 0xF0, (byte) 0x9F}}) {
            byte[] bad = file.clone();
            System.arraycopy(invalid, 0, bad, nameAt + 2 + 5, invalid.length);
            cases.add(new Case("wrong header: invalid UTF-8 class name", "bytes " + Arrays.toString(invalid), bad,
                    Expect.REFUSED, null));
        }
        for (long length : new long[] {payload.length + 1L, payload.length - 1L, 0, -1, Long.MAX_VALUE,
            Long.MIN_VALUE, Integer.MAX_VALUE + 1L}) {
            byte[] bad = file.clone();
            for (int i = 0; i < 8; i++) {
                bad[lengthAt + i] = (byte) (length >>> (56 - 8 * i));
            }
            cases.add(new Case("wrong header: payload length", "length " + length, bad, Expect.REFUSED,
                    "payload bytes"));
        }
        byte[] zeroDigest = file.clone();
        Arrays.fill(zeroDigest, lengthAt + 8, lengthAt + 40, (byte) 0);
        cases.add(new Case("wrong header: checksum", "all zero", zeroDigest, Expect.REFUSED, "checksum"));
        byte[] swapped = file.clone();
        System.arraycopy(sha256(new byte[0]), 0, swapped, lengthAt + 8, 32);
        cases.add(new Case("wrong header: checksum", "checksum of nothing", swapped, Expect.REFUSED, "checksum"));
    }

    // ----- garbage and other files -----

    private void addGarbage(byte[] otherModel, byte[] sameDiff, byte[] file) {
        for (int k = 0; k < 40; k++) {
            byte[] garbage = new byte[1 + random.nextInt(k < 20 ? 64 : 8192)];
            random.nextBytes(garbage);
            cases.add(new Case("garbage", garbage.length + " random bytes", garbage, Expect.REFUSED, null));
        }
        int header = headerLength(file);
        for (int k = 0; k < 20; k++) {
            // Right magic (and for half of them the whole right header up to the payload length), random rest.
            int keep = k < 10 ? MAGIC.length : header - 40;
            byte[] garbage = new byte[keep + 1 + random.nextInt(4096)];
            random.nextBytes(garbage);
            System.arraycopy(file, 0, garbage, 0, keep);
            cases.add(new Case("garbage after a valid " + (k < 10 ? "magic" : "class name"),
                    garbage.length + " bytes", garbage, Expect.REFUSED, null));
        }
        cases.add(new Case("garbage", "text", "hello, model\n".getBytes(StandardCharsets.UTF_8), Expect.REFUSED,
                null));
        cases.add(new Case("garbage", "all zeros, 4 KiB", new byte[4096], Expect.REFUSED, null));
        byte[] ones = new byte[4096];
        Arrays.fill(ones, (byte) 0xFF);
        cases.add(new Case("garbage", "all 0xFF, 4 KiB", ones, Expect.REFUSED, null));
        cases.add(new Case("other file", "ND4J SameDiff FlatBuffers file of the same graph", sameDiff, Expect.REFUSED,
                "magic"));
        cases.add(new Case("other model class", "a valid test.TwoInputs file", otherModel, Expect.REFUSED,
                "holds a model of class test.TwoInputs"));
    }

    // ----- valid checksum, invalid content -----

    private void addForgedContent(byte[] file, Trainer original) throws IOException {
        byte[] payload = payload(file);
        // Structure lives in the first bytes of the payload (seed, data type, optimiser, counters, array count and
        // the first array's header); flip one bit in each of them, re-checksummed.
        for (int i = 0; i < Math.min(payload.length, 200); i++) {
            byte[] p = payload.clone();
            p[i] ^= (byte) (1 << ((i * 5 + 1) % 8));
            cases.add(new Case("forged (valid checksum): bit flip in payload", "payload byte " + i,
                    forge(ModelFile.FORMAT_VERSION, "test.Detector", p), Expect.REFUSED_OR_USABLE, null));
        }
        for (int length = 0; length < payload.length; length += 23) {
            cases.add(new Case("forged (valid checksum): truncated payload", "first " + length + " payload bytes",
                    forge(ModelFile.FORMAT_VERSION, "test.Detector", Arrays.copyOf(payload, length)), Expect.REFUSED,
                    null));
        }
        for (int k = 0; k < 30; k++) {
            int at = random.nextInt(payload.length);
            byte[] p = new byte[payload.length + 4];
            byte[] inserted = new byte[4];
            random.nextBytes(inserted);
            System.arraycopy(payload, 0, p, 0, at);
            System.arraycopy(inserted, 0, p, at, 4);
            System.arraycopy(payload, at, p, at + 4, payload.length - at);
            cases.add(new Case("forged (valid checksum): bytes inserted in payload", "4 bytes at " + at,
                    forge(ModelFile.FORMAT_VERSION, "test.Detector", p), Expect.REFUSED_OR_USABLE, null));
        }

        ModelFile.Contents good = contents(original);
        forged("data type HALF", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), DataType.HALF,
                c.updaterJson(), c.iteration(), c.epoch(), c.arrays())), "data type");
        forged("data type INT", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), DataType.INT,
                c.updaterJson(), c.iteration(), c.epoch(), c.arrays())), "data type");
        forged("negative iteration", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), c.dataType(),
                c.updaterJson(), -1, c.epoch(), c.arrays())), "iteration");
        forged("iteration beyond int", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), c.dataType(),
                c.updaterJson(), Integer.MAX_VALUE + 1L, c.epoch(), c.arrays())), "iteration");
        forged("negative epoch", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), c.dataType(),
                c.updaterJson(), c.iteration(), -5, c.arrays())), "epoch");
        forged("optimiser JSON garbage", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), c.dataType(),
                "{not json", c.iteration(), c.epoch(), c.arrays())), "optimiser");
        forged("optimiser JSON of another class", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(),
                c.dataType(), "{\"@class\":\"java.lang.String\"}", c.iteration(), c.epoch(), c.arrays())), "optimiser");
        forged("optimiser JSON null", with(good, c -> new ModelFile.Contents(c.modelName(), c.seed(), c.dataType(),
                "null", c.iteration(), c.epoch(), c.arrays())), "optimiser");
        forged("a parameter missing", arrays(good, a -> a.remove("param/classification/dense_0/b")),
                "classification/dense_0/b");
        forged("an extra parameter", arrays(good, a -> a.put("param/extra/W", Nd4j.ones(2, 2))), "extra/W");
        forged("a parameter transposed", arrays(good, a -> a.put("param/classification/dense_0/W",
                a.get("param/classification/dense_0/W").transpose().dup('c'))), "classification/dense_0/W");
        forged("a parameter of rank 0", arrays(good, a -> a.put("param/localization/conv2d_0/b", Nd4j.scalar(1f))),
                "localization/conv2d_0/b");
        forged("a parameter with no elements", arrays(good, a -> a.put("param/classification/dense_0/b",
                Nd4j.create(DataType.FLOAT, 0))), "classification/dense_0/b");
        forged("optimiser state missing", arrays(good, a -> a.remove("updater/classification/dense_0/W")),
                "optimiser state");
        forged("optimiser state too short", arrays(good, a -> a.put("updater/classification/dense_0/W",
                Nd4j.zeros(DataType.FLOAT, 1, 20))), "optimiser state");
        forged("optimiser state too long", arrays(good, a -> a.put("updater/weighting/alpha",
                Nd4j.zeros(DataType.FLOAT, 1, 4))), "optimiser state");
        forged("optimiser state of rank 1", arrays(good, a -> a.put("updater/weighting/alpha",
                Nd4j.zeros(DataType.FLOAT, 2))), "optimiser state");
        forged("optimiser state in another layout", arrays(good, a -> a.put("updater/classification/dense_0/b",
                Nd4j.zeros(DataType.FLOAT, 2, 2))), "optimiser state");
        forged("DOUBLE arrays in a FLOAT model", arrays(good, a -> a.replaceAll((k, v) -> v.castTo(DataType.DOUBLE))),
                null, Expect.REFUSED_OR_IDENTICAL);
        forged("a NaN parameter", arrays(good, a -> {
            INDArray w = a.get("param/classification/dense_0/W").dup();
            w.putScalar(3, Float.NaN);
            a.put("param/classification/dense_0/W", w);
        }), "NaN or infinite");
        forged("an infinite optimiser state", arrays(good, a -> {
            INDArray s = a.get("updater/classification/dense_0/W").dup();
            s.putScalar(0, Float.POSITIVE_INFINITY);
            a.put("updater/classification/dense_0/W", s);
        }), "NaN or infinite");
    }

    private void forged(String name, ModelFile.Contents contents, String fragment) throws IOException {
        forged(name, contents, fragment, Expect.REFUSED);
    }

    private void forged(String name, ModelFile.Contents contents, String fragment, Expect expect) throws IOException {
        Path temp = Files.createTempFile("forged", ".bw");
        try {
            ModelFile.write(temp, contents);
            cases.add(new Case("forged (valid checksum): invalid content", name, Files.readAllBytes(temp), expect,
                    fragment));
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static ModelFile.Contents contents(Trainer trainer) throws IOException {
        Path temp = Files.createTempFile("good", ".bw");
        try {
            trainer.save(temp);
            return ModelFile.read(temp, trainer.spec().modelName());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static ModelFile.Contents with(ModelFile.Contents c, UnaryOperator<ModelFile.Contents> change) {
        return change.apply(c);
    }

    private static ModelFile.Contents arrays(ModelFile.Contents c,
                                             java.util.function.Consumer<Map<String, INDArray>> change) {
        Map<String, INDArray> arrays = new LinkedHashMap<>(c.arrays());
        change.accept(arrays);
        return new ModelFile.Contents(c.modelName(), c.seed(), c.dataType(), c.updaterJson(), c.iteration(),
                c.epoch(), arrays);
    }

    // ----- the format, as far as the fuzz needs to know it -----

    private static int headerLength(byte[] file) {
        int nameLength = ((file[MAGIC.length + 4] & 0xFF) << 8) | (file[MAGIC.length + 5] & 0xFF);
        return MAGIC.length + 4 + 2 + nameLength + 8 + 32;
    }

    private static byte[] payload(byte[] file) {
        return Arrays.copyOfRange(file, headerLength(file), file.length);
    }

    private static String region(byte[] file, int offset) {
        int nameAt = MAGIC.length + 4;
        int header = headerLength(file);
        if (offset < MAGIC.length) {
            return "magic";
        } else if (offset < nameAt) {
            return "format version";
        } else if (offset < header - 40) {
            return "class name";
        } else if (offset < header - 32) {
            return "payload length";
        } else if (offset < header) {
            return "checksum";
        }
        return "payload";
    }

    private static byte[] forge(int version, String modelName, byte[] payload) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(version);
            out.writeUTF(modelName);
            out.writeLong(payload.length);
            out.write(sha256(payload));
            out.write(payload);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean identical(INDArray[] expected, INDArray[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (!Arrays.equals(expected[i].shape(), actual[i].shape())
                    || !Arrays.equals(expected[i].data().asDouble(), actual[i].data().asDouble())) {
                return false;
            }
        }
        return true;
    }

    private static void requireIdentical(INDArray[] expected, INDArray[] actual) {
        if (!identical(expected, actual)) {
            throw new IllegalStateException("the undamaged file does not reproduce the model");
        }
    }
}
