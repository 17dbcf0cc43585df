package io.github.branchwise.runtime;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds common layers with named, seeded, trainable parameters inside one branch or shared method.
 *
 * <p>The runtime hands each {@code @Branch} and {@code @Shared} method its own {@code Layers}, whose scope is the
 * branch's or the shared method's name. Parameters are named {@code <scope>/<kind>_<n>/<W|b>}, where {@code n}
 * counts the layers of that kind in the scope in call order, e.g. {@code localization/conv2d_0/W}; the names do
 * not change between runs or JVMs. Weights start Glorot-uniform and biases zero, as Keras initialises them, from
 * a random stream derived from the model seed and the parameter's name alone, so adding a layer to one branch
 * does not change the initial values of another.
 *
 * <p>Images are NHWC ({@code [batch, height, width, channels]}) and convolution kernels {@code [kH, kW, in, out]},
 * the layouts Keras uses. A branch may mix these layers with SameDiff calls on {@link #sameDiff()}.
 *
 * <p>Layers that behave differently in training ({@link #dropout}, {@link #batchNorm}) read the mode the runtime
 * feeds on each pass: {@code fit} trains, everything else (evaluation, validation, prediction) infers.
 */
public final class Layers {
    private final String scope;
    private final GraphHost host;
    private final Map<String, Integer> layerCounts = new HashMap<>();

    /**
     * Creates the layer builder of one scope; the runtime does this for every branch and shared method.
     *
     * @param scope the branch or shared method name that prefixes every parameter name
     * @param host  the graph under construction
     */
    public Layers(String scope, GraphHost host) {
        this.scope = Objects.requireNonNull(scope, "scope");
        this.host = Objects.requireNonNull(host, "host");
    }

    /** The graph this builder adds to, for the layer classes of this package. */
    GraphHost host() {
        return host;
    }

    /** The name that prefixes every parameter this builder creates. */
    public String scope() {
        return scope;
    }

    /** The SameDiff graph, for operations these helpers do not cover. */
    public SameDiff sameDiff() {
        return host.sameDiff();
    }

    /** The shape of one example of {@code x}, without the batch axis. */
    public long[] shapeOf(SDVariable x) {
        return host.exampleShape(x);
    }

    /** A fully connected layer without activation: {@code x·W + b} over the last axis of a rank-2 input. */
    public SDVariable dense(SDVariable x, int units) {
        return dense(x, units, Activation.IDENTITY);
    }

    /**
     * A fully connected layer, {@code activation(x·W + b)}, with {@code W} of shape {@code [in, units]}, over the last
     * axis as Keras' {@code Dense}: {@code [batch, features]} becomes {@code [batch, units]}, and
     * {@code [batch, d1, ..., features]} (e.g. every step of a sequence {@code [batch, steps, features]}) becomes
     * {@code [batch, d1, ..., units]} with the same weights at every position (Keras' {@code TimeDistributed(Dense)};
     * a softmax activation runs over the units).
     *
     * @throws IllegalArgumentException when {@code x} has no axis after the batch
     */
    public SDVariable dense(SDVariable x, int units, Activation activation) {
        String layer = nextLayerName("dense");
        LayerShapes.requirePositive("dense", layer, "units", units);
        LayerShapes.requireFloatingPoint("dense", layer, x);
        long[] in = shapeOf(x);
        if (in.length == 0) {
            throw new IllegalArgumentException(LayerShapes.who("dense", layer) + " needs input of shape [batch, ..., "
                    + "features], got [batch]");
        }
        long features = in[in.length - 1];
        SDVariable w = host.parameter(layer + "/W", glorotUniform(layer + "/W", features, units, features, units));
        SDVariable b = host.parameter(layer + "/b", Nd4j.zeros(host.dataType(), units));
        // Positions before the features become rows of one product, and take their axes back afterwards.
        SDVariable rows = in.length == 1 ? x : x.reshape(-1, features);
        // sd.nn.linear fails under training in M2.1 (deeplearning4j issue #9869); mmul + add differentiates fine.
        SDVariable out = activation.apply(sameDiff(), rows.mmul(w).add(b));
        if (in.length > 1) {
            long[] shape = new long[in.length + 1];
            shape[0] = -1;
            System.arraycopy(in, 0, shape, 1, in.length - 1);
            shape[in.length] = units;
            out = out.reshape(shape);
        }
        return record(layer, "Dense(" + units + ")" + suffix(activation), x, out, w, b);
    }

    /** A square 2-D convolution with stride 1 and {@link Padding#VALID} padding, followed by {@code activation}. */
    public SDVariable conv2d(SDVariable x, int filters, int kernel, Activation activation) {
        return conv2d(x, filters, kernel, 1, Padding.VALID, activation);
    }

    /**
     * A square 2-D convolution over an NHWC input, kernel {@code [kernel, kernel, in, filters]} plus a bias per
     * filter, followed by {@code activation}.
     */
    public SDVariable conv2d(SDVariable x, int filters, int kernel, int stride, Padding padding,
                             Activation activation) {
        String layer = nextLayerName("conv2d");
        LayerShapes.requirePositive("conv2d", layer, "filters", filters);
        LayerShapes.requirePositive("conv2d", layer, "kernel", kernel);
        LayerShapes.requirePositive("conv2d", layer, "stride", stride);
        LayerShapes.requireFloatingPoint("conv2d", layer, x);
        long[] in = shapeOf(x);
        LayerShapes.requireImage("conv2d", layer, in);
        long channels = in[2];
        long fanIn = (long) kernel * kernel * channels;
        long fanOut = (long) kernel * kernel * filters;
        SDVariable w = host.parameter(layer + "/W",
                glorotUniform(layer + "/W", fanIn, fanOut, kernel, kernel, channels, filters));
        SDVariable b = host.parameter(layer + "/b", Nd4j.zeros(host.dataType(), filters));
        Conv2DConfig config = Conv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride)
                .paddingMode(padding == Padding.SAME ? PaddingMode.SAME : PaddingMode.VALID)
                .dataFormat("NHWC")
                .build();
        return record(layer, "Conv2D(" + filters + ", " + kernel + "x" + kernel + ", stride " + stride + ", "
                + padding.name().toLowerCase(java.util.Locale.ROOT) + ")" + suffix(activation), x,
                activation.apply(sameDiff(), sameDiff().cnn().conv2d(x, w, b, config)), w, b);
    }

    /**
     * A trainable parameter of one's own, for layers written with SameDiff directly, named
     * {@code <scope>/<name>}; Glorot-uniform over the first and last dimensions when {@code glorot}, else zeros.
     * Variables made with {@code sameDiff().var(...)} instead would not be trained, so the runtime rejects them.
     */
    public SDVariable parameter(String name, boolean glorot, long... shape) {
        Objects.requireNonNull(name, "name");
        String full = scope + "/" + name;
        INDArray initial = glorot && shape.length > 0
                ? glorotUniform(full, shape.length == 1 ? shape[0] : java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b) / shape[shape.length - 1],
                shape[shape.length - 1], shape)
                : Nd4j.zeros(host.dataType(), shape);
        return host.parameter(full, initial);
    }

    /** Max pooling over square {@code size x size} windows with stride {@code size} and valid padding. */
    public SDVariable maxPool2d(SDVariable x, int size) {
        return maxPool2d(x, size, size, Padding.VALID);
    }

    /** Max pooling over square windows of an NHWC input. */
    public SDVariable maxPool2d(SDVariable x, int size, int stride, Padding padding) {
        String layer = nextLayerName("max_pool2d");
        LayerShapes.requirePositive("maxPool2d", layer, "size", size);
        LayerShapes.requirePositive("maxPool2d", layer, "stride", stride);
        LayerShapes.requireFloatingPoint("maxPool2d", layer, x);
        LayerShapes.requireImage("maxPool2d", layer, shapeOf(x));
        Pooling2DConfig config = Pooling2DConfig.builder()
                .kH(size).kW(size).sH(stride).sW(stride)
                .paddingMode(padding == Padding.SAME ? PaddingMode.SAME : PaddingMode.VALID)
                .isNHWC(true)
                .build();
        return record(layer, "MaxPool2D(" + size + "x" + size + ", stride " + stride + ", "
                + padding.name().toLowerCase(java.util.Locale.ROOT) + ")", x,
                sameDiff().cnn().maxPooling2d(x, config));
    }

    /** Reshapes {@code [batch, d1, d2, ...]} to {@code [batch, d1·d2·...]}, in NHWC order like Keras' Flatten. */
    public SDVariable flatten(SDVariable x) {
        long size = 1;
        for (long d : shapeOf(x)) {
            size *= d;
        }
        return record(nextLayerName("flatten"), "Flatten", x, x.reshape(-1, size));
    }

    /** Applies {@code activation} to {@code x}. */
    public SDVariable activation(SDVariable x, Activation activation) {
        return activation.apply(sameDiff(), x);
    }

    SDVariable record(String layer, String kind, SDVariable input, SDVariable output, SDVariable... parameters) {
        return record(layer, kind, List.of(input), output, parameters);
    }

    /** Records a layer of several inputs ({@code concat}, {@code add}) for the summary; returns {@code output}. */
    SDVariable record(String layer, String kind, List<SDVariable> inputs, SDVariable output,
                      SDVariable... parameters) {
        host.recordLayer(new LayerRecord(scope, layer.substring(scope.length() + 1), kind, output,
                Arrays.stream(parameters).map(SDVariable::name).toList(),
                inputs.stream().map(SDVariable::name).toList()));
        return output;
    }

    private static String suffix(Activation activation) {
        return activation == Activation.IDENTITY ? "" : " " + activation.name().toLowerCase(java.util.Locale.ROOT);
    }

    String nextLayerName(String kind) {
        int n = layerCounts.merge(kind, 1, Integer::sum) - 1;
        return scope + "/" + kind + "_" + n;
    }

    INDArray glorotUniform(String name, long fanIn, long fanOut, long... shape) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        SplittableRandom random = new SplittableRandom(streamSeed(host.seed(), name));
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        double[] values = new double[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-limit, limit);
        }
        return Nd4j.createFromArray(values).reshape(shape).castTo(host.dataType());
    }

    /** A seed for one parameter's stream: the model seed mixed with a 64-bit FNV-1a hash of the name. */
    static long streamSeed(long seed, String name) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            hash ^= name.charAt(i);
            hash *= 0x100000001b3L;
        }
        return seed * 0x9E3779B97F4A7C15L ^ hash;
    }

    static String join(long[] shape) {
        String s = Arrays.toString(shape);
        return s.substring(1, s.length() - 1);
    }

    // ----- Sequences: embeddings of integer ids, recurrent layers, self-attention (issue 14) -----

    /**
     * Keras' {@code Embedding(vocabulary, dimension)}: looks each integer id up in a trainable table
     * {@code E[vocabulary, dimension]}, so ids {@code [batch, d1, ...]} (typically {@code [batch, steps]}) become
     * {@code [batch, d1, ..., dimension]}. The table starts uniform in {@code [-0.05, 0.05]} as in Keras and is named
     * {@code <scope>/embedding_<n>/E}; PyTorch's {@code nn.Embedding.weight} has the same layout.
     *
     * <p>The ids are normally an input declared {@code @Input(type = InputType.INT)}: every batch is then checked to
     * hold whole numbers in {@code [0, vocabulary)} (the smaller of this vocabulary and the input's declared one)
     * before it reaches the model, and an input declaring a larger vocabulary than the table is refused here. Ids
     * computed in the graph are not checked: one outside the table reads a row of zeros. Unlike Keras there is no
     * {@code mask_zero}: layers here do not pass masks along; give {@link #selfAttention(SDVariable, int, int,
     * SDVariable)} a padding mask instead.
     *
     * @throws IllegalArgumentException when {@code ids} is not of an integer type or has no axis after the batch, when
     *                                  a size is not positive, or when the input declares a larger vocabulary
     */
    public SDVariable embedding(SDVariable ids, int vocabulary, int dimension) {
        return EmbeddingLayer.build(this, ids, vocabulary, dimension);
    }

    /**
     * Keras' {@code LSTM(units)} over {@code [batch, steps, features]}: the last state {@code [batch, units]}, or with
     * {@code returnSequences} every step's state {@code [batch, steps, units]} (Keras' {@code return_sequences}).
     * Keras' defaults: tanh and sigmoid activations, zero initial state, kernel {@code W[features, 4·units]}
     * Glorot-uniform, recurrent kernel {@code U[units, 4·units]} orthogonal, bias {@code b[4·units]} zero with the
     * forget gate's quarter at one ({@code unit_forget_bias}). Gates in Keras' order i, f, c, o (PyTorch's i, f, g, o:
     * the same), so PyTorch's {@code weight_ih_l0} is {@code Wᵀ}, {@code weight_hh_l0} is {@code Uᵀ} and
     * {@code bias_ih_l0 + bias_hh_l0} is {@code b}. Parameters {@code <scope>/lstm_<n>/W, U, b}.
     *
     * <p>The layer is unrolled over the steps (a dozen ops a step), so the sequence length is fixed by the input's
     * shape and graphs grow with it: fine for tens to a few hundred steps. No dropout, masking, bidirectional or
     * stateful options.
     *
     * @throws IllegalArgumentException when {@code x} is not a floating {@code [batch, steps, features]} or
     *                                  {@code units} is not positive
     */
    public SDVariable lstm(SDVariable x, int units, boolean returnSequences) {
        return RecurrentLayers.lstm(this, x, units, returnSequences);
    }

    /**
     * Keras' {@code GRU(units)} with its Keras 2 default {@code reset_after=True}, which is also PyTorch's
     * {@code nn.GRU}: {@code z = σ(x·Wz + h·Uz + b)}, {@code r = σ(x·Wr + h·Ur + b)},
     * {@code ĥ = tanh(x·Wh + bh + r ⊙ (h·Uh + rh))}, {@code h' = z ⊙ h + (1 − z) ⊙ ĥ}, over
     * {@code [batch, steps, features]}; returns the last state {@code [batch, units]} or every step's
     * {@code [batch, steps, units]}. Kernel {@code W[features, 3·units]} Glorot-uniform, recurrent kernel
     * {@code U[units, 3·units]} orthogonal, bias {@code b[2, 3·units]} zero (row 0 the input bias, row 1 the
     * recurrent bias), gates in Keras' order z, r, h. From PyTorch (gate order r, z, n): reorder the row blocks of
     * {@code weight_ih_l0}, {@code weight_hh_l0}, {@code bias_ih_l0}, {@code bias_hh_l0} to z, r, n, transpose the
     * weights, and stack the biases. Parameters {@code <scope>/gru_<n>/W, U, b}. Unrolled like {@link #lstm}.
     *
     * @throws IllegalArgumentException when {@code x} is not a floating {@code [batch, steps, features]} or
     *                                  {@code units} is not positive
     */
    public SDVariable gru(SDVariable x, int units, boolean returnSequences) {
        return RecurrentLayers.gru(this, x, units, returnSequences);
    }

    /**
     * Multi-head self-attention over {@code [batch, steps, features]}: Keras' {@code MultiHeadAttention(heads,
     * keyDim)} called as {@code mha(x, x)} (query, key and value all {@code x}; value size = key size, biases on,
     * no dropout), returning {@code [batch, steps, features]}: the heads are projected back to the input's feature
     * size. Scores are {@code (q / √keyDim)·kᵀ}, softmax over the keys. Kernels Glorot-uniform as Keras computes them
     * for its {@code [features, heads, keyDim]} and {@code [heads, keyDim, features]} kernels, biases zero.
     * Parameters {@code <scope>/self_attention_<n>/Wq, bq, Wk, bk, Wv, bv} ({@code [features, heads, keyDim]},
     * {@code [heads, keyDim]}), {@code Wo [heads, keyDim, features]}, {@code bo [features]}.
     *
     * <p>PyTorch's {@code nn.MultiheadAttention(embed_dim = features, num_heads = heads, batch_first = True)} is the
     * same layer when {@code heads·keyDim == features}: {@code in_proj_weight} rows {@code [0, E)}, {@code [E, 2E)},
     * {@code [2E, 3E)} transposed and reshaped are {@code Wq, Wk, Wv}, {@code out_proj.weight} transposed is
     * {@code Wo}.
     *
     * @throws IllegalArgumentException when {@code x} is not a floating {@code [batch, steps, features]} or a size is
     *                                  not positive
     */
    public SDVariable selfAttention(SDVariable x, int heads, int keyDim) {
        return AttentionLayer.build(this, x, heads, keyDim, null);
    }

    /**
     * {@link #selfAttention(SDVariable, int, int)} that keeps padded steps out of every softmax: {@code paddingMask}
     * is {@code [batch, steps]} in the model's floating type, 1 for a real step and 0 for padding (Keras' polarity;
     * PyTorch's {@code key_padding_mask} is the opposite, {@code True} for padding). A padded key's score gets
     * {@code -1e9} added, as Keras does, so no query attends to it; padded queries still get an output (mask or pool
     * it away afterwards). A row with every key padded attends uniformly where PyTorch returns NaN. The mask is
     * usually a second input of the model, e.g. {@code @Input(shape = 20)} next to the ids.
     *
     * @throws IllegalArgumentException as the overload does, and when the mask is not {@code [batch, steps]} of the
     *                                  input's type
     */
    public SDVariable selfAttention(SDVariable x, int heads, int keyDim, SDVariable paddingMask) {
        return AttentionLayer.build(this, x, heads, keyDim, java.util.Objects.requireNonNull(paddingMask,
                "paddingMask"));
    }

    @Override
    public String toString() {
        return "Layers[" + scope + "]";
    }

    // ---- layers that behave differently in training and inference (issue 14): dropout, batch normalisation ----

    /**
     * Dropout, as Keras' {@code Dropout(rate)}: in training steps ({@code fit}) each element of {@code x} is zeroed
     * with probability {@code rate} and the others are scaled by {@code 1 / (1 - rate)}; in evaluation, validation and
     * prediction it passes {@code x} through unchanged. The mode is the runtime's: there is no {@code training}
     * argument.
     *
     * <p>The masks come from the model seed ({@code TrainingOptions.seed}), the step number and the layer's name: the
     * same seed gives the same masks, a run resumed from a checkpoint draws the masks the uninterrupted run would have,
     * and the passes of one step (one per branch for the gradient-level weightings) share one mask. Deviations from
     * Keras: no {@code noise_shape} (every element is dropped on its own) and no {@code seed} argument (the model's
     * seed is used). PyTorch's {@code nn.Dropout(p=rate)} computes the same.
     *
     * @param x    any floating-point input {@code [batch, ...]}
     * @param rate the fraction dropped, in [0, 1); 0 passes {@code x} through in every mode
     * @throws IllegalArgumentException when {@code rate} is outside [0, 1) or {@code x} is not floating-point, naming
     *                                  the layer
     */
    public SDVariable dropout(SDVariable x, double rate) {
        return DropoutLayer.build(this, x, rate);
    }

    /**
     * Batch normalisation over the last axis with Keras' defaults: {@code batchNorm(x, 0.99, 1e-3)}.
     *
     * @see #batchNorm(SDVariable, double, double)
     */
    public SDVariable batchNorm(SDVariable x) {
        return batchNorm(x, 0.99, 1e-3);
    }

    /**
     * Batch normalisation over the last axis (the features of {@code [batch, features]}, the channels of an NHWC
     * image {@code [batch, height, width, channels]}), as Keras' {@code BatchNormalization(axis=-1, momentum,
     * epsilon)}: {@code gamma · (x - mean) / sqrt(variance + epsilon) + beta} per feature.
     * <ul>
     *   <li>In training steps ({@code fit}) {@code mean} and {@code variance} are the batch's, over every axis but the
     *       last; the variance is the biased one (divided by the count, not the count minus one), as in Keras. After
     *       each step the moving statistics move towards them, once per step:
     *       {@code moving = momentum · moving + (1 - momentum) · batch}, with the same biased variance, as Keras 3 does
     *       ({@code ops.moments}).</li>
     *   <li>In evaluation, validation and prediction, and in training steps while the layer is frozen (all its
     *       parameters frozen, as Keras' {@code trainable = False} runs a batch norm in inference mode), {@code mean}
     *       and {@code variance} are the moving statistics, and nothing changes them.</li>
     * </ul>
     * Parameters {@code <scope>/batch_norm_<n>/gamma} (ones) and {@code beta} (zeros) train; the moving statistics
     * {@code moving_mean} (zeros) and {@code moving_variance} (ones) are non-trainable layer state, saved and loaded
     * with the model and its checkpoints and listed by {@code parameters()}.
     *
     * <p>PyTorch's {@code nn.BatchNorm1d/2d(momentum=1 - momentum, eps=epsilon)} computes the same outputs (note the
     * opposite momentum convention: PyTorch's 0.1 default is Keras' 0.9), but PyTorch moves its running variance
     * towards the unbiased batch variance, {@code n / (n - 1)} times ours for {@code n} values per feature.
     *
     * @param x        a floating-point input {@code [batch, ..., features]} of rank 2 or more
     * @param momentum the moving statistics' momentum, in [0, 1]
     * @param epsilon  added to the variance, positive
     * @throws IllegalArgumentException when {@code x} has no feature axis or is not floating-point, or the
     *                                  settings are out of range, naming the layer
     */
    public SDVariable batchNorm(SDVariable x, double momentum, double epsilon) {
        return NormalizationLayers.batchNorm(this, x, momentum, epsilon);
    }

    // ---- Stateless layers (issue 14): normalisation over the last axis, average pooling, upsampling, transposed
    // convolution, concatenation, residual addition and softmax. They behave the same in training and inference.
    // Implementations: LayerNormalization, PoolingLayers, Upsampling, TransposedConvolution, ShapeLayers.

    /**
     * Layer normalisation over the last axis with Keras' epsilon 1e-3: see {@link #layerNorm(SDVariable, double)}.
     */
    public SDVariable layerNorm(SDVariable x) {
        return layerNorm(x, 1e-3);
    }

    /**
     * Layer normalisation, Keras' {@code LayerNormalization(axis=-1, epsilon=epsilon)}: each position's last axis
     * is standardised with its own mean and biased variance, {@code (x - mean) / sqrt(var + epsilon)}, then scaled
     * by a trainable {@code gamma} (ones at first) and shifted by a trainable {@code beta} (zeros), both of shape
     * {@code [features]} and named {@code <scope>/layer_norm_<n>/gamma|beta}. Any rank: {@code [batch, features]},
     * {@code [batch, time, features]} or NHWC images (normalised per pixel over channels). PyTorch:
     * {@code nn.LayerNorm(features, eps=epsilon)}, whose default epsilon (1e-5) differs from Keras'.
     *
     * @throws IllegalArgumentException naming the layer when {@code x} has no feature axis or is not
     *                                  floating-point, or when {@code epsilon} is not positive
     */
    public SDVariable layerNorm(SDVariable x, double epsilon) {
        return LayerNormalization.build(this, x, epsilon);
    }

    /** Average pooling over square {@code size x size} windows with stride {@code size} and valid padding. */
    public SDVariable avgPool2d(SDVariable x, int size) {
        return avgPool2d(x, size, size, Padding.VALID);
    }

    /**
     * Average pooling over square windows of an NHWC input, Keras' {@code AveragePooling2D(pool_size=size,
     * strides=stride, padding=...)}. Under {@link Padding#SAME} the output is {@code ceil(in / stride)} and a window
     * that overlaps the border averages only the input values it covers (the padding is not counted), with the
     * odd padding row and column at the bottom and right, as in Keras/TensorFlow. PyTorch's {@code AvgPool2d} only
     * pads symmetrically; with {@code count_include_pad=False} it agrees wherever the padding is even.
     *
     * @throws IllegalArgumentException naming the layer when {@code x} is not {@code [batch, height, width,
     *                                  channels]}, or when a valid window is larger than the input
     */
    public SDVariable avgPool2d(SDVariable x, int size, int stride, Padding padding) {
        return PoolingLayers.average(this, x, size, stride, padding);
    }

    /**
     * The mean over height and width of an NHWC input, {@code [batch, h, w, c]} to {@code [batch, c]}: Keras'
     * {@code GlobalAveragePooling2D()} (keepdims false); PyTorch {@code x.mean(dim=(1, 2))} in NHWC or
     * {@code AdaptiveAvgPool2d(1)} then flatten in NCHW.
     *
     * @throws IllegalArgumentException naming the layer when {@code x} is not {@code [batch, height, width,
     *                                  channels]}
     */
    public SDVariable globalAvgPool2d(SDVariable x) {
        return PoolingLayers.globalAverage(this, x);
    }

    /** Nearest-neighbour upsampling by {@code size} in height and width: each pixel becomes a block. */
    public SDVariable upsample2d(SDVariable x, int size) {
        return upsample2d(x, size, size, Interpolation.NEAREST);
    }

    /** Upsampling by {@code size} in height and width; see {@link #upsample2d(SDVariable, int, int, Interpolation)}. */
    public SDVariable upsample2d(SDVariable x, int size, Interpolation interpolation) {
        return upsample2d(x, size, size, interpolation);
    }

    /**
     * Upsampling of an NHWC input by whole factors, {@code [batch, h, w, c]} to {@code [batch, h·sizeH, w·sizeW,
     * c]}: Keras' {@code UpSampling2D(size=(sizeH, sizeW), interpolation=...)} (Keras' default is size 2,
     * nearest). {@link Interpolation#BILINEAR} uses half-pixel centres clamped at the border, as Keras' (through
     * {@code tf.image.resize}) and PyTorch's {@code interpolate(mode='bilinear', align_corners=False)}; PyTorch's
     * {@code align_corners=True} is a different function. No parameters.
     *
     * @throws IllegalArgumentException naming the layer when {@code x} is not {@code [batch, height, width,
     *                                  channels]} or a factor is not positive
     */
    public SDVariable upsample2d(SDVariable x, int sizeH, int sizeW, Interpolation interpolation) {
        return Upsampling.build(this, x, sizeH, sizeW, interpolation);
    }

    /**
     * A square transposed convolution with stride 1 and {@link Padding#VALID} padding, followed by
     * {@code activation}; see {@link #conv2dTranspose(SDVariable, int, int, int, Padding, Activation)}.
     */
    public SDVariable conv2dTranspose(SDVariable x, int filters, int kernel, Activation activation) {
        return conv2dTranspose(x, filters, kernel, 1, Padding.VALID, activation);
    }

    /**
     * A square transposed convolution ("deconvolution") over an NHWC input, Keras' {@code Conv2DTranspose(filters,
     * kernel, strides=stride, padding=...)} without {@code output_padding} or dilation, followed by
     * {@code activation}. The kernel is {@code [kernel, kernel, filters, in]}, Keras' layout (output channels
     * before input channels, unlike {@link #conv2d}'s {@code [kH, kW, in, out]}), named
     * {@code <scope>/conv2d_transpose_<n>/W}, Glorot-uniform; the bias {@code [filters]} starts at zero. The output
     * is {@code [batch, h', w', filters]} with {@code h' = h·stride} under {@link Padding#SAME} and
     * {@code h' = h·stride + max(kernel - stride, 0)} under {@link Padding#VALID}, as in Keras. PyTorch:
     * {@code ConvTranspose2d(in, filters, kernel, stride)}, whose weight {@code [in, filters, kH, kW]} becomes ours
     * by {@code permute(2, 3, 1, 0)}; its {@code padding} crops symmetrically, so Keras' {@code 'same'} with an
     * odd {@code kernel - stride} (the odd row cropped at the bottom and right) has no exact PyTorch setting.
     *
     * @throws IllegalArgumentException naming the layer when {@code x} is not {@code [batch, height, width,
     *                                  channels]} or a size is not positive
     */
    public SDVariable conv2dTranspose(SDVariable x, int filters, int kernel, int stride, Padding padding,
                                      Activation activation) {
        return TransposedConvolution.build(this, x, filters, kernel, stride, padding, activation);
    }

    /** Concatenation along the last axis; see {@link #concat(int, SDVariable...)}. */
    public SDVariable concat(SDVariable... inputs) {
        return concat(-1, inputs);
    }

    /**
     * Concatenation of two or more inputs along {@code axis}, Keras' {@code Concatenate(axis=axis)}: axes count
     * the batch axis as 0, as Keras does, so {@code -1} is the last axis and {@code 1} the first axis of an
     * example; the batch axis itself cannot be joined. Every input must have the same rank, type, and size on
     * every other axis. PyTorch: {@code torch.cat(inputs, dim=axis)}. Keras 2 also refuses a single input.
     *
     * @throws IllegalArgumentException naming the layer and every input's shape when they do not fit
     */
    public SDVariable concat(int axis, SDVariable... inputs) {
        return ShapeLayers.concat(this, axis, inputs);
    }

    /**
     * The element-wise sum of two or more inputs, Keras' {@code Add()}, for residual connections. Shapes must be
     * exactly equal: no broadcasting, where a wrong shape would otherwise be added silently.
     *
     * @throws IllegalArgumentException naming the layer and every input's shape when they differ
     */
    public SDVariable add(SDVariable... inputs) {
        return ShapeLayers.add(this, inputs);
    }

    /** Softmax over the last axis; see {@link #softmax(SDVariable, int)}. */
    public SDVariable softmax(SDVariable x) {
        return softmax(x, -1);
    }

    /**
     * Softmax over {@code axis}, Keras' {@code Softmax(axis=axis)}: axes count the batch axis as 0 ({@code -1} the
     * last), and the batch axis itself is refused. PyTorch: {@code torch.softmax(x, dim=axis)}. For a dense
     * layer's output, {@link Activation#SOFTMAX} is the same over the last axis.
     *
     * @throws IllegalArgumentException naming the layer when {@code axis} is not an axis of an example
     */
    public SDVariable softmax(SDVariable x, int axis) {
        return ShapeLayers.softmax(this, x, axis);
    }

    // ---- multi-task architectures (issue 15, docs/architectures.md) ----

    /**
     * MTAN's attention module (Liu et al. 2019), as LibMTL builds it: a task's soft mask over a shared block,
     * {@code σ(BN(conv1x1(ReLU(BN(conv1x1([middle; previous]))))))} {@code ⊙ end}. {@code middle} is the shared
     * block's intermediate feature map, {@code end} its output, {@code previous} this task's attended features from
     * the level below brought to this level's height and width (null at the first level: the mask reads
     * {@code middle} only). Both 1x1 convolutions have {@code channels(end)} filters (LibMTL: {@code channels /
     * expansion}, the same for basic blocks) and a bias; the batch norms are {@link #batchNorm(SDVariable)}'s, so the
     * module runs in training and inference mode as they do. Parameters in this scope:
     * {@code <scope>/task_attention_<n>/conv2d_0/W}, {@code .../batch_norm_0/gamma}, ..., {@code .../conv2d_1},
     * {@code .../batch_norm_1}. PyTorch: LibMTL's {@code _att_layer(in, channels, channels)} applied to
     * {@code torch.cat([middle, previous], dim=1)} (NCHW), times {@code end}.
     *
     * @param middle   {@code [batch, h, w, c1]}
     * @param end      {@code [batch, h, w, c]}: what the mask multiplies, and the output's shape
     * @param previous {@code [batch, h, w, c2]} or null
     * @throws IllegalArgumentException when an input is not a floating-point NHWC image, or the three differ in height
     *                                  or width ({@code taskAttention 'mask/task_attention_0' needs ...})
     */
    public SDVariable taskAttention(SDVariable middle, SDVariable end, SDVariable previous) {
        return TaskAttention.build(this, middle, end, previous);
    }
}
