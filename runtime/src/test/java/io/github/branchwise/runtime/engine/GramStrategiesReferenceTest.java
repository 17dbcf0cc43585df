package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * IMTL, Aligned-MTL and GradVac trained end to end against numbers worked out in PyTorch and NumPy from the papers' and
 * LibMTL's formulas on the gradient vectors, independently of Branchwise (which works on Gram matrices):
 * {@code src/test/resources/strategies/gram_strategies_reference.py}, whose output
 * ({@code gram_strategies_reference.txt}) is embedded below. The model, data, initial parameters and SGD are
 * {@link LossLevelStrategiesReferenceTest}'s (float64); every step's losses, total and weights, and the parameters
 * after the last step, must match to 1e-10.
 */
class GramStrategiesReferenceTest {
    private static Trainer trainer(WeightingSpec weighting) {
        return LossLevelStrategiesReferenceTest.trainer(weighting);
    }

    private static LossLevelStrategiesReferenceTest.Step step(double[] losses, double total, double[] weights) {
        return LossLevelStrategiesReferenceTest.step(losses, total, weights);
    }

    /** LibMTL's IMTL: the losses scaled by exp(s), s trained with the network, IMTL-G on the scaled gradients. */
    @Test
    void imtlHybridScalesTheLossesAndBalancesTheScaledGradients() {
        Trainer trainer = trainer(WeightingSpec.imtl(ImtlMode.HYBRID, GradientSource.PARAMETERS));
        LossLevelStrategiesReferenceTest.follow(trainer, 100,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.9006622504404764,
                        new double[] {0.07469166830312716, 0.9313573004888497}),
                step(new double[] {3.896415251498931, 0.6087664658120588}, 0.9213346691832875,
                        new double[] {0.08409797701646017, 0.925156426428927}),
                step(new double[] {3.842299333224912, 0.607597447099063}, 0.9381891895399148,
                        new double[] {0.09222235264802263, 0.9181340190937057}),
                step(new double[] {3.798052104840106, 0.6064170753220446}, 0.9521439867386111,
                        new double[] {0.09941396754064667, 0.910399693098436}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.18927756844215934, -0.09887080298109417, 0.4029950164421069,
            0.2915900146173628, -0.29765633253293095, 0.48876930615610703, 0.10485974526676246, -0.19043818042799124,
            0.11065026576461713, 0.20125290830894701, -0.41132049172608554, 0.25228295522293426});
        expected.put("trunk/dense_0/b", new double[] {0.05278712394640963, -0.058296132423348315, 0.097480748328792,
            0.0050447561324005056});
        expected.put("reg/dense_0/W", new double[] {0.22974705478727062, -0.5098810932338603, 0.20697195506437505,
            0.4302744621285343});
        expected.put("reg/dense_0/b", new double[] {0.21604588751538095});
        expected.put("bin/dense_0/W", new double[] {0.40180642125421534, -0.20433649051761607, 0.10393387436377875,
            0.3018087883484043, -0.5200931468637324, 0.20447575199653645, 0.20279527177323126, -0.10509269332866673});
        expected.put("bin/dense_0/b", new double[] {0.001652293566988352, 0.09676889215205947});
        expected.put("weighting/loss_scale", new double[] {-0.4455038746935709, 0.0747988580912145});
        LossLevelStrategiesReferenceTest.assertParameters(trainer, expected);
    }

    /** IMTL-G alone: α from the plain shared gradients, heads plain. */
    @Test
    void imtlGradientBalancesThePlainGradients() {
        Trainer trainer = trainer(WeightingSpec.imtl(ImtlMode.GRADIENT, GradientSource.PARAMETERS));
        LossLevelStrategiesReferenceTest.follow(trainer, 100,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.9006622504404764,
                        new double[] {0.08663178122235293, 0.9133682187776471}),
                step(new double[] {3.896415251498931, 0.6087664658120588}, 0.9191227291586106,
                        new double[] {0.09440067463949331, 0.9055993253605067}),
                step(new double[] {3.8347088541537246, 0.6076106615614421}, 0.9383640593775923,
                        new double[] {0.10249251125217873, 0.8975074887478213}),
                step(new double[] {3.7795044700377645, 0.6064556622097916}, 0.958416873883605,
                        new double[] {0.11092209196578329, 0.8890779080342167}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.18928825957252296, -0.09880209415884894, 0.40296789152406315,
            0.2915526206440684, -0.29768941711501196, 0.4888054351691417, 0.10485711134774996, -0.19046097192068775,
            0.11063381561300596, 0.2012190010976058, -0.4112751130617348, 0.25229148595183787});
        expected.put("trunk/dense_0/b", new double[] {0.05274305928753264, -0.058225752041913666, 0.09749401694070765,
            0.004989211135484619});
        expected.put("reg/dense_0/W", new double[] {0.21588692866781325, -0.4922672128313606, 0.20689699834164899,
            0.4165319928161227});
        expected.put("reg/dense_0/b", new double[] {0.23632262375267252});
        expected.put("bin/dense_0/W", new double[] {0.4017521293248274, -0.2042130876819419, 0.10382035839741718,
            0.3017576809549363, -0.5195207928721868, 0.20434745010464903, 0.2027152995435625, -0.10494835518507885});
        expected.put("bin/dense_0/b", new double[] {0.001604229073795127, 0.09685968835022091});
        LossLevelStrategiesReferenceTest.assertParameters(trainer, expected);
    }

    /**
     * IMTL with LibMTL's rep_grad: α from the representation gradients summed over the batch; the update is the same
     * combination of the parameter gradients.
     */
    @Test
    void imtlFromTheRepresentationSummedOverTheBatch() {
        Trainer trainer = trainer(WeightingSpec.imtl(ImtlMode.HYBRID, GradientSource.REPRESENTATION_BATCH_SUM));
        LossLevelStrategiesReferenceTest.follow(trainer, 100,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 0.6627193067751465,
                        new double[] {0.013563631626708532, 1.0036535816876355}),
                step(new double[] {3.9016321020737452, 0.6086316489304592}, 0.6796761649989447,
                        new double[] {0.01649185329955163, 1.0168501169180653}),
                step(new double[] {3.851395180252882, 0.6073231407556036}, 0.696019244664358,
                        new double[] {0.019437515376439434, 1.0289559789879994}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.19277384494314476, -0.10213217376130536, 0.40300661641173546,
            0.2958529426311303, -0.3022411037465518, 0.49888794055472147, 0.1024466708758448, -0.19961850157185204,
            0.10972859073516655, 0.19983601929848818, -0.4095440020155888, 0.2538874297227553});
        expected.put("trunk/dense_0/b", new double[] {0.05011687130101385, -0.052040101461664046, 0.09645401284274736,
            0.00037791654191949567});
        expected.put("reg/dense_0/W", new double[] {0.24354171229009827, -0.5272806005756615, 0.20721742444369606,
            0.44366206168277644});
        expected.put("reg/dense_0/b", new double[] {0.19538997604338165});
        expected.put("bin/dense_0/W", new double[] {0.4013107218628162, -0.2032263737632341, 0.10289065166648036,
            0.3013619932340923, -0.5149322088360818, 0.2032987566356501, 0.20208179312660882, -0.10379871820286436});
        expected.put("bin/dense_0/b", new double[] {0.001224688749006427, 0.0975718583359108});
        expected.put("weighting/loss_scale", new double[] {-0.3640128024936063, 0.056915740274864096});
        LossLevelStrategiesReferenceTest.assertParameters(trainer, expected);
    }

    /** Aligned-MTL: α from the eigen-decomposition of the shared gradients' Gram matrix, heads plain. */
    @Test
    void alignedMtlAsTheReference() {
        Trainer trainer = trainer(WeightingSpec.alignedMtl(GradientSource.PARAMETERS));
        LossLevelStrategiesReferenceTest.follow(trainer, 100,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 1.0442387797162036,
                        new double[] {0.10745184448360189, 1.0133889955185298}),
                step(new double[] {3.895007758616112, 0.6087194426680259}, 1.0736624184519017,
                        new double[] {0.11722856578663825, 1.0136956402722084}),
                step(new double[] {3.832274232292188, 0.6075094585464504}, 1.1044803010005595,
                        new double[] {0.12747143215380144, 1.0139345281602172}),
                step(new double[] {3.7763390480775163, 0.6062931926117202}, 1.1368733431125233,
                        new double[] {0.13823344915124144, 1.01412481423986}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.18765603675030557, -0.09812555752009561, 0.4032396909825966,
            0.2900062001263406, -0.29668328822441803, 0.48599721757043135, 0.10572142468088058, -0.18797335599135048,
            0.11180403320567898, 0.20157092221445372, -0.4126262993439809, 0.2522394403837452});
        expected.put("trunk/dense_0/b", new double[] {0.05344996844489998, -0.06008990304289547, 0.09743440863449919,
            0.006262412365752144});
        expected.put("reg/dense_0/W", new double[] {0.2161308463425115, -0.49267824476278765, 0.20675980299145114,
            0.4169418496300977});
        expected.put("reg/dense_0/b", new double[] {0.23608771930627004});
        expected.put("bin/dense_0/W", new double[] {0.4017728557433462, -0.20421368482049979, 0.1038320875372379,
            0.3017521566784647, -0.5195270516383704, 0.20435887220013116, 0.2027182947263068, -0.1049444350188388});
        expected.put("bin/dense_0/b", new double[] {0.0016036190294238418, 0.09686671241030109});
        LossLevelStrategiesReferenceTest.assertParameters(trainer, expected);
    }

    /** GradVac with LibMTL's β = 0.5, W and b as two groups with their own targets. */
    @Test
    void gradVacPerParameterAsTheReference() {
        Trainer trainer = trainer(WeightingSpec.gradVac(0.5, GradVacGroups.PER_PARAMETER));
        LossLevelStrategiesReferenceTest.follow(trainer, 100,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 4.575886142785163,
                        new double[] {1.0, 1.0}),
                step(new double[] {3.8318612662426776, 0.6086532246283436}, 4.4405144908710215,
                        new double[] {1.0, 1.0}),
                step(new double[] {3.7304978290105844, 0.6078827549056338}, 4.338380583916218,
                        new double[] {1.0, 1.0}),
                step(new double[] {3.6515554554859664, 0.6072490042110794}, 4.258804459697046,
                        new double[] {1.0, 1.0}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.15918003818075324, -0.059952788059766546, 0.3981394988409913,
            0.24966404584157045, -0.24612682519753754, 0.3818881385803583, 0.12584916919706046, -0.09270349330113367,
            0.1100469067666661, 0.2124426294011415, -0.4160371464113318, 0.2326394680553126});
        expected.put("trunk/dense_0/b", new double[] {0.07998013610900563, -0.12501011203007426, 0.10858090061119095,
            0.05396383288009039});
        expected.put("reg/dense_0/W", new double[] {0.22664467221637705, -0.5088786114859531, 0.19980512941520914,
            0.433211103070682});
        expected.put("reg/dense_0/b", new double[] {0.22516679902946074});
        expected.put("bin/dense_0/W", new double[] {0.40190749564152484, -0.2041615442479886, 0.10418813155911073,
            0.30146285042603127, -0.5196010984570786, 0.20474063117293792, 0.2025762729546939, -0.10477663607460104});
        expected.put("bin/dense_0/b", new double[] {0.0014898982620211079, 0.09716736431990357});
        LossLevelStrategiesReferenceTest.assertParameters(trainer, expected);
    }

    /** GradVac on the shared parameters as one vector. */
    @Test
    void gradVacWholeModelAsTheReference() {
        Trainer trainer = trainer(WeightingSpec.gradVac(0.3, GradVacGroups.WHOLE_MODEL));
        LossLevelStrategiesReferenceTest.follow(trainer, 100,
                step(new double[] {3.9659637294082994, 0.6099224133768637}, 4.575886142785163,
                        new double[] {1.0, 1.0}),
                step(new double[] {3.831835035248602, 0.6086501118128218}, 4.440485147061424,
                        new double[] {1.0, 1.0}),
                step(new double[] {3.7305111273070297, 0.60767030260018}, 4.33818142990721,
                        new double[] {1.0, 1.0}),
                step(new double[] {3.6515378605719224, 0.6068209674846743}, 4.258358828056597,
                        new double[] {1.0, 1.0}));
        Map<String, double[]> expected = new LinkedHashMap<>();
        expected.put("trunk/dense_0/W", new double[] {0.1568268807838082, -0.060836390166460474, 0.3991083339506673,
            0.24841465643239963, -0.24707883559151603, 0.3819220405427688, 0.12647114437525225, -0.09293347262030446,
            0.11323137321487169, 0.21241660055301242, -0.41901528931629706, 0.23398680831145227});
        expected.put("trunk/dense_0/b", new double[] {0.08032206133442088, -0.12495656545096523, 0.11084887216170734,
            0.054533728305317955});
        expected.put("reg/dense_0/W", new double[] {0.22661539002751904, -0.5088330810968615, 0.19998529437222146,
            0.4331952041867013});
        expected.put("reg/dense_0/b", new double[] {0.2251261634978774});
        expected.put("bin/dense_0/W", new double[] {0.40195200306700707, -0.20416673008971659, 0.10419224610638646,
            0.3014648736157873, -0.5195925690258836, 0.20474801658259364, 0.20259465930840803, -0.10477611747340654});
        expected.put("bin/dense_0/b", new double[] {0.0015035330974643866, 0.09716239982108948});
        LossLevelStrategiesReferenceTest.assertParameters(trainer, expected);
    }
}
