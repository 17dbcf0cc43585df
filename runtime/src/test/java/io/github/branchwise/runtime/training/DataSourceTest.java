package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** The three data paths, their checks, and that they train alike on the same batches. */
class DataSourceTest {
    private static final ModelSpec SPEC = TrainingModels.mapAndClass();

    private static DataSource.EpochContext epoch(long e) {
        return new DataSource.EpochContext(e, 42, SPEC);
    }

    private static List<Batch> all(Iterator<Batch> batches) {
        List<Batch> list = new ArrayList<>();
        batches.forEachRemaining(list::add);
        return list;
    }

    @Test
    void arraysAreCutIntoBatchesAndShuffledFromSeedAndEpochAlone() {
        INDArray x = Nd4j.arange(10).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(10, 1);
        INDArray y = x.mul(2);
        ArrayDataSource source = DataSource.arrays(new INDArray[] {x}, new INDArray[] {y}, 4);
        assertEquals(3, source.batchesPerEpoch());
        List<Batch> first = all(source.batches(epoch(0)));
        assertEquals(List.of(4L, 4L, 2L), first.stream().map(Batch::size).toList());
        List<Double> seen = new ArrayList<>();
        for (Batch b : first) {
            // Inputs and targets stay paired.
            assertEquals(b.inputs()[0].mul(2), b.targets()[0]);
            for (double v : b.inputs()[0].toDoubleVector()) {
                seen.add(v);
            }
        }
        assertEquals(10, seen.stream().distinct().count());
        assertArrayEquals(source.order(0, 42), source.order(0, 42));
        assertArrayEquals(source.order(3, 7), source.seed(7).order(3, 42));
        assertNotEquals(Arrays.toString(source.order(0, 42)), Arrays.toString(source.order(1, 42)));
        assertNotEquals(Arrays.toString(source.order(0, 42)), Arrays.toString(source.order(0, 43)));
        List<Batch> ordered = all(source.shuffle(false).batches(epoch(5)));
        assertArrayEquals(new double[] {0, 1, 2, 3}, ordered.get(0).inputs()[0].toDoubleVector());
        assertArrayEquals(new double[] {8, 9}, ordered.get(2).inputs()[0].toDoubleVector());
    }

    @Test
    void arraysOfDifferentLengthsAreRejectedWhenUsedWithoutAModel() {
        ArrayDataSource source = DataSource.arrays(new INDArray[] {Nd4j.zeros(5, 1)}, new INDArray[] {Nd4j.zeros(4, 1)},
                2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, source::batchesPerEpoch);
        assertTrue(e.getMessage().contains("different numbers of examples (axis 0): 5 (inputs), 4 (targets)"),
                e.getMessage());
    }

    @Test
    void iterablesAreReadAgainEachEpochButIteratorsOnce() {
        List<INDArray[][]> pairs = java.util.Collections.singletonList(new INDArray[][] {{Nd4j.zeros(1)}, {Nd4j.ones(1)}});
        DataSource iterable = DataSource.pairs(pairs);
        assertEquals(1, all(iterable.batches(epoch(0))).size());
        assertEquals(1, all(iterable.batches(epoch(1))).size());
        DataSource once = DataSource.fromIterator(pairs.iterator(), Batch::of);
        assertEquals(1, all(once.batches(epoch(0))).size());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> once.batches(epoch(1)));
        assertTrue(e.getMessage().contains("one epoch"), e.getMessage());
        List<Integer> stream = List.of(1, 2, 3, 4, 5);
        DataSource cut = DataSource.fromIterator(stream.iterator(),
                i -> new Batch(new INDArray[] {Nd4j.scalar(i)}, new INDArray[0]), 2);
        assertEquals(2, all(cut.batches(epoch(0))).size());
        assertEquals(2, all(cut.batches(epoch(1))).size());
        IllegalStateException ended = assertThrows(IllegalStateException.class, () -> all(cut.batches(epoch(2))));
        assertTrue(ended.getMessage().contains("ended after 1 of the 2"), ended.getMessage());
    }

    @Test
    void multiDataSetsAreCheckedAgainstTheModel() {
        INDArray[][] data = TrainingModels.mapAndClassData(4, 1);
        DataSource wrongCount = DataSource.fromMultiDataSets(new TrainingModels.ListIterator(List.of(
                new MultiDataSet(data[0], new INDArray[] {data[1][0]}))));
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> wrongCount.batches(epoch(0)).next());
        assertTrue(count.getMessage().contains("has 1 label arrays but the model has 2 branches [map, kind]"),
                count.getMessage());
        DataSource wrongShape = DataSource.fromMultiDataSets(new TrainingModels.ListIterator(List.of(
                new MultiDataSet(data[0], new INDArray[] {data[1][1], data[1][0]}))));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> wrongShape.batches(epoch(0)).next());
        assertTrue(shape.getMessage().contains("labels[0] (target of branch 'map') must have shape [batch, 2, 2, 1]"
                + ", got [4, 3]"), shape.getMessage());
    }

    @Test
    void everyPathTrainsTheSameOnTheSameBatches() {
        INDArray[][] data = TrainingModels.mapAndClassData(24, 3);
        ArrayDataSource arrays = DataSource.arrays(data[0], data[1], 8).shuffle(false);
        List<Batch> batches = all(arrays.batches(epoch(0)));
        List<MultiDataSet> multi = batches.stream().map(b -> new MultiDataSet(b.inputs(), b.targets())).toList();
        DataSource[] sources = {
            arrays,
            DataSource.batches(batches),
            DataSource.fromIterator(batches.iterator(), b -> b),
            DataSource.fromMultiDataSets(new TrainingModels.ListIterator(multi)),
        };
        double[] reference = null;
        for (DataSource source : sources) {
            Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(5).updater(new Sgd(0.1)).build());
            History history = Fitting.of(trainer).fit(source, FitConfig.builder().epochs(1).silent().build());
            assertEquals(3, history.stepCount());
            double[] totals = history.stepValues("total");
            if (reference == null) {
                reference = totals;
            } else {
                assertArrayEquals(reference, totals);
            }
        }
    }
}
