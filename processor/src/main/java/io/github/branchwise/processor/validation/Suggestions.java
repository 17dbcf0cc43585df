package io.github.branchwise.processor.validation;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the known name nearest to a misspelt one, for "did you mean" hints. */
public final class Suggestions {
    private Suggestions() {
    }

    /**
     * The candidate closest to {@code name} by {@linkplain #distance edit distance}, ignoring case, when close
     * enough to be a plausible typo: at most a third of the longer name's length, and at least one edit. So a name
     * of up to five letters may be one slip away ({@code prcie} for {@code price}), one of six to eight two, and
     * an unrelated short name ({@code depth} for {@code localization}) gets no hint rather than a wrong one. Ties
     * go to the first candidate, so the hint follows declaration order.
     */
    public static Optional<String> nearest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            int limit = Math.max(1, Math.max(name.length(), candidate.length()) / 3);
            if (distance <= limit && distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The " did you mean 'x'?" suffix for a message, or an empty string when nothing is near. */
    public static String didYouMean(String name, Collection<String> candidates) {
        return nearest(name, candidates).map(s -> "; did you mean '" + s + "'?").orElse("");
    }

    /**
     * Optimal string alignment distance (Damerau's, restricted): insertions, deletions, substitutions and swaps of
     * two adjacent characters each cost one, and no part of the string is edited twice. Swapped neighbours are
     * among the commonest typos, and plain Levenshtein would count {@code prcie} two edits from {@code price}, over
     * the limit of a five-letter name.
     */
    static int distance(String a, String b) {
        // Three rows of the dynamic-programming table: a swap looks two rows back.
        int[] beforePrevious = new int[b.length() + 1];
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                int best = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    best = Math.min(best, beforePrevious[j - 2] + 1);
                }
                current[j] = best;
            }
            int[] recycled = beforePrevious;
            beforePrevious = previous;
            previous = current;
            current = recycled;
        }
        return previous[b.length()];
    }
}
