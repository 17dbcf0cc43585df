package io.github.branchwise.processor.validation;

import java.util.Optional;

/** What the validator needs to know about the other types of the compilation to detect name clashes. */
public interface GeneratedTypes {
    /**
     * Whether a type of that qualified name is written by the user (or another processor) in this compilation,
     * as opposed to one this processor generated, or a class file left from an earlier build.
     */
    boolean isUserType(String qualifiedName);

    /** The model whose generated type has that qualified name in this compilation, if any. */
    Optional<String> generatedFor(String qualifiedName);
}
