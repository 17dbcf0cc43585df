package io.github.branchwise.processor.model;

import java.util.Set;
import javax.lang.model.element.Modifier;

/** The access of a user method, kept by the generated override so that it never narrows it. */
public enum Access {
    /** {@code public}. */
    PUBLIC,
    /** {@code protected}. */
    PROTECTED,
    /** No modifier: package-private. */
    PACKAGE;

    /** The access a set of modifiers declares. */
    public static Access of(Set<Modifier> modifiers) {
        if (modifiers.contains(Modifier.PUBLIC)) {
            return PUBLIC;
        }
        return modifiers.contains(Modifier.PROTECTED) ? PROTECTED : PACKAGE;
    }
}
