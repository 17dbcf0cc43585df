package io.github.branchwise.runtime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A saved model file that cannot be loaded: not a Branchwise file, a newer format, a file of another model class,
 * or a file whose length or checksum shows it was truncated or altered. Nothing of it reached native code.
 */
public class ModelFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** An exception about {@code file} with the given reason. */
    public ModelFileException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    /** An exception about {@code file} with the given reason and cause. */
    public ModelFileException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The file that failed to load. */
    public Path file() {
        return file;
    }
}
