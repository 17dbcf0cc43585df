package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Padding;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The workloads written by hand on ND4J: the same layers, losses, weighting and SGD update as the generated model,
 * with a hand-derived backward pass (fused sigmoid + cross-entropy and softmax + cross-entropy gradients, ReLU in
 * place), every buffer allocated once and ND4J's native kernels called directly. This is the baseline of the
 * "generated model ≤ 1.05x hand-written ND4J" target.
 *
 * <p>The maths differs from the generated model's only where Keras' probability clip to [1e-7, 1 - 1e-7] is
 * active (|logit| > 16), which the benchmark data never reaches: losses agree to float precision.
 */
public abstract class HandWritten {
    /** The learning rate of the SGD update, as in the peer. */
    protected final double lr;
    private final Weighting weighting;
    private double alpha = 0.5;

    HandWritten(Weighting weighting, double lr) {
        this.weighting = weighting;
        this.lr = lr;
    }

    /** A hand-written model of {@code workload} starting from the given parameter values (by the model's names). */
    public static HandWritten create(Workloads.Workload workload, Weighting weighting, Map<String, INDArray> start,
                                     double lr) {
        return switch (workload) {
            case SEED_7, SEED_1024 -> new Seed(weighting, lr, start, workload.batch());
            case MLP_256 -> new Mlp(weighting, lr, start, workload.batch());
            case CNN_64 -> new Cnn(weighting, lr, start, workload.batch());
            case TRUNK_64 -> throw new IllegalArgumentException("no hand-written model of " + workload);
        };
    }

    /** One SGD step; returns {total, first branch loss, second branch loss}. */
    public abstract double[] step(INDArray[] inputs, INDArray[] targets);

    /** The branch outputs for {@code inputs}: buffers overwritten by the next call. */
    public abstract INDArray[] predict(INDArray[] inputs);

    /** The weights of the two branch losses. */
    final double w1() {
        return weighting == Weighting.FIXED ? 0.5 : alpha;
    }

    final double w2() {
        return weighting == Weighting.FIXED ? 0.5 : 1 - alpha;
    }

    /** Updates α (TRAINABLE: ∂total/∂α = L1 - L2, then the clip to [0, 1]); returns the total. */
    final double combine(double l1, double l2) {
        double total = w1() * l1 + w2() * l2;
        if (weighting == Weighting.TRAINABLE) {
            alpha = Math.min(1, Math.max(0, alpha - lr * (l1 - l2)));
        }
        return total;
    }

    static int[] ints(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = Math.toIntExact(values[i]);
        }
        return ints;
    }

    static void sgd(double lr, INDArray parameter, INDArray gradient) {
        Nd4j.getBlasWrapper().level1().axpy(parameter.length(), -lr, gradient, parameter);
    }

    // ---- layers ------------------------------------------------------------------------------------------------

    /** {@code z = x·W + b}; backward writes dW, db and (optionally) dx. */
    static final class Dense {
        final INDArray w;
        final INDArray b;
        final INDArray dw;
        final INDArray db;
        final INDArray z;
        final INDArray dx;
        private INDArray x;

        Dense(INDArray w, INDArray b, int batch, boolean needDx) {
            this(w, b, batch, needDx ? Nd4j.create(DataType.FLOAT, batch, w.size(0)) : null);
        }

        /** A layer whose input gradient goes to {@code dx} (null: not computed). */
        Dense(INDArray w, INDArray b, int batch, INDArray dx) {
            this.w = w.dup();
            this.b = b.dup();
            dw = w.like();
            db = b.like();
            z = Nd4j.create(DataType.FLOAT, batch, w.size(1));
            this.dx = dx;
        }

        INDArray forward(INDArray input) {
            x = input;
            Nd4j.gemm(x, w, z, false, false, 1.0, 0.0);
            z.addiRowVector(b);
            return z;
        }

        /** dx is accumulated into when {@code accumulate}. */
        void backward(INDArray dz, boolean accumulate) {
            Nd4j.gemm(x, dz, dw, true, false, 1.0, 0.0);
            dz.sum(db, 0);
            if (dx != null) {
                Nd4j.gemm(dz, w, dx, false, true, 1.0, accumulate ? 1.0 : 0.0);
            }
        }

        void sgd(double lr) {
            HandWritten.sgd(lr, w, dw);
            HandWritten.sgd(lr, b, db);
        }
    }

    /** NHWC convolution with bias through libnd4j's conv2d / conv2d_bp. */
    static final class Conv {
        final INDArray w;
        final INDArray b;
        final INDArray dw;
        final INDArray db;
        final INDArray out;
        final INDArray dx;
        final Conv2DConfig config;
        private INDArray x;
        private long[] iArgs;

        Conv(INDArray w, INDArray b, long[] inShape, int k, Padding padding) {
            this.w = w.dup();
            this.b = b.dup();
            dw = w.like();
            db = b.like();
            config = Conv2DConfig.builder().kH(k).kW(k).sH(1).sW(1)
                    .paddingMode(padding == Padding.SAME ? PaddingMode.SAME : PaddingMode.VALID)
                    .dataFormat("NHWC").build();
            long outH = padding == Padding.SAME ? inShape[1] : inShape[1] - k + 1;
            long outW = padding == Padding.SAME ? inShape[2] : inShape[2] - k + 1;
            out = Nd4j.create(DataType.FLOAT, inShape[0], outH, outW, w.size(3));
            dx = Nd4j.create(DataType.FLOAT, inShape);
        }

        INDArray forward(INDArray input) {
            x = input;
            Conv2D op = new Conv2D(new INDArray[] {x, w, b}, new INDArray[] {out}, config);
            iArgs = op.iArgs();
            Nd4j.exec(op);
            return out;
        }

        void backward(INDArray dOut) {
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, b, dOut).addOutputs(dx, dw, db)
                    .addIntegerArguments(ints(iArgs)).build());
        }

        void sgd(double lr) {
            HandWritten.sgd(lr, w, dw);
            HandWritten.sgd(lr, b, db);
        }
    }

    /** 2x2 max-pooling, stride 2, NHWC. */
    static final class Pool {
        final INDArray in;
        final INDArray out;
        final INDArray dIn;
        private final MaxPooling2D forward;
        private final DynamicCustomOp backward;

        Pool(INDArray in, INDArray dOut) {
            this.in = in;
            long[] s = in.shape();
            out = Nd4j.create(DataType.FLOAT, s[0], s[1] / 2, s[2] / 2, s[3]);
            dIn = in.like();
            Pooling2DConfig config = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2)
                    .paddingMode(PaddingMode.VALID).isNHWC(true).build();
            forward = new MaxPooling2D(in, out, config);
            backward = DynamicCustomOp.builder("maxpool2d_bp").addInputs(in, dOut).addOutputs(dIn)
                    .addIntegerArguments(ints(forward.iArgs())).build();
        }

        INDArray forward() {
            Nd4j.exec(forward);
            return out;
        }

        INDArray backward() {
            Nd4j.exec(backward);
            return dIn;
        }
    }

    /** ReLU in place; its backward masks the incoming gradient in place. */
    static void relu(INDArray x) {
        Nd4j.exec(new RectifiedLinear(x, x, 0.0));
    }

    static void reluBackward(INDArray activated, INDArray gradient) {
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(activated, gradient).addOutputs(gradient).build());
    }

    // ---- loss heads --------------------------------------------------------------------------------------------

    /** Sigmoid + binary cross-entropy over all elements of {@code z} ([batch, n]). */
    static final class SigmoidBce {
        final INDArray p;
        final INDArray dz;
        private final INDArray tmp;
        private final INDArray tmp2;

        SigmoidBce(int batch, long n) {
            p = Nd4j.create(DataType.FLOAT, batch, n);
            dz = p.like();
            tmp = p.like();
            tmp2 = p.like();
        }

        /** Forward; returns the batch mean of the per-example mean loss. */
        double forward(INDArray z, INDArray y) {
            Nd4j.exec(new Sigmoid(z, p));
            // BCE(σ(z), y) = softplus(z) - y·z, the numerically stable form of -(y ln p + (1-y) ln(1-p)).
            Nd4j.exec(new SoftPlus(z, tmp));
            tmp2.assign(y).muli(z);
            return tmp.subi(tmp2).meanNumber().doubleValue();
        }

        /** dL/dz scaled by the branch weight: (p - y)·w/(batch·n). */
        INDArray backward(INDArray y, double weight) {
            return dz.assign(p).subi(y).muli(weight / p.length());
        }
    }

    /** Softmax + sparse categorical cross-entropy with class indices as floats. */
    static final class SoftmaxCe {
        final INDArray p;
        final INDArray dz;
        private final INDArray oneHot;
        private final INDArray classes;
        private final INDArray logP;

        SoftmaxCe(int batch, int n) {
            p = Nd4j.create(DataType.FLOAT, batch, n);
            dz = p.like();
            oneHot = p.like();
            logP = p.like();
            classes = Nd4j.create(DataType.INT, batch);
        }

        double forward(INDArray z, INDArray y) {
            Nd4j.exec(new SoftMax(z, p, -1));
            classes.assign(y);
            Nd4j.exec(new OneHot(classes, oneHot, (int) p.size(1)));
            Nd4j.exec(new Log(p, logP));
            return -logP.muli(oneHot).sumNumber().doubleValue() / p.size(0);
        }

        INDArray backward(double weight) {
            return dz.assign(p).subi(oneHot).muli(weight / p.size(0));
        }
    }

    /** Mean squared error. */
    static final class Mse {
        final INDArray d;

        Mse(int batch, long n) {
            d = Nd4j.create(DataType.FLOAT, batch, n);
        }

        double forward(INDArray z, INDArray y) {
            d.assign(z).subi(y);
            return Nd4j.getBlasWrapper().dot(d, d) / d.length();
        }

        INDArray backward(double weight) {
            return d.muli(2 * weight / d.length());
        }
    }

    // ---- the workloads -----------------------------------------------------------------------------------------

    static final class Seed extends HandWritten {
        private final Conv conv;
        private final Dense dense;
        private final SigmoidBce loc;
        private final SigmoidBce cls;
        private final int batch;

        Seed(Weighting weighting, double lr, Map<String, INDArray> p, int batch) {
            super(weighting, lr);
            this.batch = batch;
            conv = new Conv(p.get("localization/conv2d_0/W"), p.get("localization/conv2d_0/b"),
                    new long[] {batch, 5, 5, 2}, 3, Padding.VALID);
            dense = new Dense(p.get("classification/dense_0/W"), p.get("classification/dense_0/b"), batch, false);
            loc = new SigmoidBce(batch, 9);
            cls = new SigmoidBce(batch, 2);
        }

        @Override
        public double[] step(INDArray[] x, INDArray[] y) {
            INDArray zLoc = conv.forward(x[0]).reshape(batch, 9);
            INDArray yLoc = y[0].reshape(batch, 9);
            INDArray zCls = dense.forward(x[0].reshape(batch, 50));
            double l1 = loc.forward(zLoc, yLoc);
            double l2 = cls.forward(zCls, y[1]);
            double w1 = w1();
            double w2 = w2();
            conv.backward(loc.backward(yLoc, w1).reshape(batch, 3, 3, 1));
            dense.backward(cls.backward(y[1], w2), false);
            conv.sgd(lr);
            dense.sgd(lr);
            return new double[] {combine(l1, l2), l1, l2};
        }

        @Override
        public INDArray[] predict(INDArray[] x) {
            INDArray zLoc = conv.forward(x[0]);
            INDArray zCls = dense.forward(x[0].reshape(batch, 50));
            Nd4j.exec(new Sigmoid(zLoc, zLoc));
            Nd4j.exec(new Sigmoid(zCls, zCls));
            return new INDArray[] {zLoc, zCls};
        }
    }

    static final class Mlp extends HandWritten {
        private final Dense d1;
        private final Dense d2;
        private final Dense classes;
        private final Dense value;
        private final SoftmaxCe ce;
        private final Mse mse;

        Mlp(Weighting weighting, double lr, Map<String, INDArray> p, int batch) {
            super(weighting, lr);
            d1 = new Dense(p.get("trunk/dense_0/W"), p.get("trunk/dense_0/b"), batch, false);
            d2 = new Dense(p.get("trunk/dense_1/W"), p.get("trunk/dense_1/b"), batch, true);
            // Both heads write dL/dh into d2's output gradient buffer; the second accumulates.
            INDArray dh = Nd4j.create(DataType.FLOAT, batch, 256);
            classes = new Dense(p.get("classes/dense_0/W"), p.get("classes/dense_0/b"), batch, dh);
            value = new Dense(p.get("value/dense_0/W"), p.get("value/dense_0/b"), batch, dh);
            ce = new SoftmaxCe(batch, 10);
            mse = new Mse(batch, 1);
        }

        private INDArray trunk(INDArray x) {
            INDArray h1 = d1.forward(x);
            relu(h1);
            INDArray h2 = d2.forward(h1);
            relu(h2);
            return h2;
        }

        @Override
        public double[] step(INDArray[] x, INDArray[] y) {
            INDArray h = trunk(x[0]);
            double l1 = ce.forward(classes.forward(h), y[0]);
            double l2 = mse.forward(value.forward(h), y[1]);
            // dL/dh = dz_classes·W_classesᵀ + dz_value·W_valueᵀ: the second GEMM accumulates into the first.
            classes.backward(ce.backward(w1()), false);
            value.backward(mse.backward(w2()), true);
            INDArray dh = classes.dx;
            reluBackward(d2.z, dh);
            d2.backward(dh, false);
            reluBackward(d1.z, d2.dx);
            d1.backward(d2.dx, false);
            d1.sgd(lr);
            d2.sgd(lr);
            classes.sgd(lr);
            value.sgd(lr);
            return new double[] {combine(l1, l2), l1, l2};
        }

        @Override
        public INDArray[] predict(INDArray[] x) {
            INDArray h = trunk(x[0]);
            INDArray z = classes.forward(h);
            Nd4j.exec(new SoftMax(z, z, -1));
            return new INDArray[] {z, value.forward(h)};
        }
    }

    static final class Cnn extends HandWritten {
        private final Conv c1;
        private final Pool p1;
        private final Conv c2;
        private final Pool p2;
        private final Dense classes;
        private final Dense value;
        private final SoftmaxCe ce;
        private final Mse mse;
        private final INDArray dPool2;
        private final int batch;

        Cnn(Weighting weighting, double lr, Map<String, INDArray> p, int batch) {
            super(weighting, lr);
            this.batch = batch;
            c1 = new Conv(p.get("trunk/conv2d_0/W"), p.get("trunk/conv2d_0/b"), new long[] {batch, 32, 32, 3}, 3,
                    Padding.SAME);
            c2 = new Conv(p.get("trunk/conv2d_1/W"), p.get("trunk/conv2d_1/b"), new long[] {batch, 16, 16, 32}, 3,
                    Padding.SAME);
            // conv2d_bp of c2 writes its input gradient where maxpool2d_bp of p1 reads it; both heads write
            // (the second accumulating) where maxpool2d_bp of p2 reads.
            p1 = new Pool(c1.out, c2.dx);
            dPool2 = Nd4j.create(DataType.FLOAT, batch, 8, 8, 64);
            p2 = new Pool(c2.out, dPool2);
            INDArray dFlat = dPool2.reshape(batch, 8 * 8 * 64);
            classes = new Dense(p.get("classes/dense_0/W"), p.get("classes/dense_0/b"), batch, dFlat);
            value = new Dense(p.get("box/dense_0/W"), p.get("box/dense_0/b"), batch, dFlat);
            ce = new SoftmaxCe(batch, 10);
            mse = new Mse(batch, 4);
        }

        private INDArray trunk(INDArray x) {
            relu(c1.forward(x));
            p1.forward();
            relu(c2.forward(p1.out));
            return p2.forward().reshape(batch, 8 * 8 * 64);
        }

        @Override
        public double[] step(INDArray[] x, INDArray[] y) {
            INDArray flat = trunk(x[0]);
            double l1 = ce.forward(classes.forward(flat), y[0]);
            double l2 = mse.forward(value.forward(flat), y[1]);
            classes.backward(ce.backward(w1()), false);
            value.backward(mse.backward(w2()), true);
            INDArray dRelu2 = p2.backward();
            reluBackward(c2.out, dRelu2);
            c2.backward(dRelu2);
            INDArray dRelu1 = p1.backward();
            reluBackward(c1.out, dRelu1);
            c1.backward(dRelu1);
            c1.sgd(lr);
            c2.sgd(lr);
            classes.sgd(lr);
            value.sgd(lr);
            return new double[] {combine(l1, l2), l1, l2};
        }

        @Override
        public INDArray[] predict(INDArray[] x) {
            INDArray flat = trunk(x[0]);
            INDArray z = classes.forward(flat);
            Nd4j.exec(new SoftMax(z, z, -1));
            return new INDArray[] {z, value.forward(flat)};
        }
    }
}
