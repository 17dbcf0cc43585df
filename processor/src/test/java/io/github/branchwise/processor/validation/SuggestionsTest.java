package io.github.branchwise.processor.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The edit distance behind "did you mean", and which names it suggests. */
final class SuggestionsTest {
    private static final List<String> COLUMNS = List.of("price", "area", "rooms");

    @Test
    void eachKindOfEditCostsOne() {
        assertEquals(0, Suggestions.distance("price", "price"));
        assertEquals(1, Suggestions.distance("prise", "price"), "substitution");
        assertEquals(1, Suggestions.distance("pric", "price"), "deletion");
        assertEquals(1, Suggestions.distance("pricee", "price"), "insertion");
        assertEquals(1, Suggestions.distance("prcie", "price"), "adjacent transposition");
        assertEquals(1, Suggestions.distance("rpice", "price"), "transposition at the start");
        assertEquals(1, Suggestions.distance("priec", "price"), "transposition at the end");
        assertEquals(5, Suggestions.distance("", "price"));
        assertEquals(5, Suggestions.distance("price", ""));
    }

    @Test
    void distanceIsOptimalStringAlignmentNotLevenshtein() {
        // Levenshtein counts each swap as two substitutions, six here.
        assertEquals(3, Suggestions.distance("abcdef", "badcfe"), "three swaps");
        // No substring is edited twice: "ca" -> "abc" is 3 here (unrestricted Damerau gives 2: swap, then insert).
        assertEquals(3, Suggestions.distance("ca", "abc"));
        // Symmetric.
        assertEquals(Suggestions.distance("locaization", "localization"),
                Suggestions.distance("localization", "locaization"));
    }

    @Test
    void suggestsSubstitutionsAndTranspositions() {
        assertEquals(Optional.of("price"), Suggestions.nearest("prise", COLUMNS));
        assertEquals(Optional.of("price"), Suggestions.nearest("prcie", COLUMNS));
        assertEquals(Optional.of("price"), Suggestions.nearest("PRCIE", COLUMNS), "case is ignored");
        assertEquals(Optional.of("rooms"), Suggestions.nearest("roosm", COLUMNS));
        assertEquals("; did you mean 'price'?", Suggestions.didYouMean("prcie", COLUMNS));
    }

    @Test
    void farNamesGetNoSuggestion() {
        // Five letters allow one edit: two transpositions are too many.
        assertEquals(Optional.empty(), Suggestions.nearest("rpcie", COLUMNS));
        // Six to eight letters allow two.
        assertEquals(Optional.of("volume"), Suggestions.nearest("vlomue", List.of("volume")));
        assertEquals(Optional.empty(), Suggestions.nearest("vlomeu", List.of("volume")));
        assertEquals(Optional.empty(), Suggestions.nearest("size", COLUMNS));
        assertEquals("", Suggestions.didYouMean("depth", COLUMNS));
    }

    @Test
    void tiesGoToTheFirstCandidate() {
        assertEquals(Optional.of("ab"), Suggestions.nearest("ba", List.of("ab", "bb")));
        assertEquals(Optional.of("bb"), Suggestions.nearest("ba", List.of("bb", "ab")));
    }
}
