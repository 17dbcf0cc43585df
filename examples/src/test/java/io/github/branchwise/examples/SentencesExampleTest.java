package io.github.branchwise.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The sequence example's data are what it says, and a short run of its model learns the topic head. */
class SentencesExampleTest {
    @Test
    void dataHoldIdsInTheVocabularyMasksAndRepeats() {
        INDArray[] data = SentencesExample.makeData(200, 1);
        assertEquals(0, data[0].minNumber().intValue());
        assertTrue(data[0].maxNumber().intValue() < Sentences.VOCABULARY);
        INDArray tokens = data[0];
        for (int i = 0; i < 200; i++) {
            for (int s = 0; s < Sentences.STEPS; s++) {
                boolean real = data[1].getDouble(i, s) == 1;
                assertEquals(real, tokens.getInt(i, s) != 0, "padding is id 0 exactly where the mask is 0");
                boolean repeat = s > 0 && real && tokens.getInt(i, s) == tokens.getInt(i, s - 1);
                assertEquals(repeat ? 1.0 : 0.0, data[3].getDouble(i, s, 0));
            }
        }
    }

    @Test
    void aShortRunLearnsTheTopic() {
        SentencesHistory history = SentencesExample.train(600, 3, false);
        double accuracy = history.lastEpoch().orElseThrow().validationMetrics().orElseThrow().topicAccuracy();
        assertTrue(accuracy > 0.8, "validation topic accuracy " + accuracy);
    }
}
