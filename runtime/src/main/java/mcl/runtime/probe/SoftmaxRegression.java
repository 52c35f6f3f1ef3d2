package mcl.runtime.probe;

import java.util.stream.IntStream;

/**
 * Multinomial logistic regression on frozen features, the classifier of the linear and dense
 * probes: features standardised with the training set's mean and deviation, a little L2, full-batch
 * gradient descent with momentum from zero weights. Deterministic: no sampling, and the gradient
 * is summed over fixed chunks in a fixed order, so the result does not depend on the thread count.
 *
 * <p>Features are whitened (standardised, then decorrelated by the Cholesky factor of their
 * correlation matrix plus a small ridge; the L2 penalty applies in that space) and the step is
 * 1 / L, L bounding the loss's curvature: the softmax cross-entropy's Hessian is at most
 * (1/2) X^T X / n (Boehning's bound), whose largest eigenvalue power iteration finds. Without
 * both, the dense probe's 256 strongly correlated hypercolumn channels either diverged (a fixed
 * step of 0.5) or converged slowly (step 1 / L alone: the loss still falling after 300 iterations).
 * The whitening is folded into the weights at the end, so prediction only standardises.
 */
public final class SoftmaxRegression {
    /** Power-iteration rounds for the curvature bound; the estimate is raised by {@link #MARGIN} as it approaches from below. */
    private static final int POWER_ROUNDS = 30;
    private static final double MARGIN = 1.1;
    private static final double MOMENTUM = 0.9;
    private static final double DECAY = 1e-4;
    private static final int CHUNKS = 16;

    private final int classes;
    private final int dim;
    private final double[] mean;
    private final double[] std;
    /** [classes][dim + 1], last column the bias. */
    private final double[][] w;
    private final double finalLoss;

    private SoftmaxRegression(int classes, int dim, double[] mean, double[] std, double[][] w, double finalLoss) {
        this.classes = classes;
        this.dim = dim;
        this.mean = mean;
        this.std = std;
        this.w = w;
        this.finalLoss = finalLoss;
    }

    /** Fits on {@code n} samples held row-major in {@code x} ([n * dim]) with labels {@code y} in 0..classes-1. */
    public static SoftmaxRegression fit(float[] x, int[] y, int dim, int classes, int iterations) {
        int n = y.length;
        if ((long) n * dim != x.length) throw new IllegalArgumentException(x.length + " feature values are not " + n + " samples of " + dim);
        if (n == 0) throw new IllegalArgumentException("no training samples");
        double[] mean = new double[dim];
        double[] std = new double[dim];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) mean[j] += x[i * dim + j];
        for (int j = 0; j < dim; j++) mean[j] /= n;
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) std[j] += sq(x[i * dim + j] - mean[j]);
        for (int j = 0; j < dim; j++) std[j] = Math.sqrt(std[j] / n) + 1e-6;
        float[] xs = new float[x.length];
        for (int i = 0; i < n; i++) for (int j = 0; j < dim; j++) xs[i * dim + j] = (float) ((x[i * dim + j] - mean[j]) / std[j]);
        double[][] chol = cholesky(correlation(xs, n, dim));
        whiten(xs, n, dim, chol);
        double lr = 1.0 / (MARGIN * 0.5 * largestEigenvalue(xs, n, dim) + DECAY);
        double[][] w = new double[classes][dim + 1];
        double[][] vel = new double[classes][dim + 1];
        double loss = Double.NaN;
        for (int it = 0; it < iterations; it++) {
            double[][][] parts = new double[CHUNKS][][];
            double[] losses = new double[CHUNKS];
            IntStream.range(0, CHUNKS).parallel().forEach(c -> {
                double[][] grad = new double[classes][dim + 1];
                double[] p = new double[classes];
                double l = 0;
                for (int i = (int) ((long) n * c / CHUNKS), end = (int) ((long) n * (c + 1) / CHUNKS); i < end; i++) {
                    logits(w, xs, i * dim, dim, p);
                    softmaxInPlace(p);
                    l -= Math.log(Math.max(p[y[i]], 1e-300));
                    p[y[i]] -= 1;
                    for (int k = 0; k < classes; k++) {
                        double g = p[k];
                        double[] gk = grad[k];
                        for (int j = 0; j < dim; j++) gk[j] += g * xs[i * dim + j];
                        gk[dim] += g;
                    }
                }
                parts[c] = grad;
                losses[c] = l;
            });
            loss = 0;
            for (int c = 0; c < CHUNKS; c++) loss += losses[c] / n;
            for (int k = 0; k < classes; k++) {
                for (int j = 0; j <= dim; j++) {
                    double g = 0;
                    for (int c = 0; c < CHUNKS; c++) g += parts[c][k][j];
                    g = g / n + (j < dim ? DECAY * w[k][j] : 0);
                    vel[k][j] = MOMENTUM * vel[k][j] - lr * g;
                    w[k][j] += vel[k][j];
                }
            }
        }
        // Fold the whitening into the weights: w . L^-1 s = (L^-T w) . s, one back substitution per class.
        for (double[] wk : w) {
            for (int j = dim - 1; j >= 0; j--) {
                double v = wk[j];
                for (int m = j + 1; m < dim; m++) v -= chol[m][j] * wk[m];
                wk[j] = v / chol[j][j];
            }
        }
        return new SoftmaxRegression(classes, dim, mean, std, w, loss);
    }

    /** Ridge added to the correlation matrix's diagonal: keeps it invertible for constant or duplicated features. */
    private static final double RIDGE = 1e-3;

    /** X^T X / n + RIDGE I of standardised features, summed over fixed chunks. */
    private static double[][] correlation(float[] x, int n, int dim) {
        double[][][] parts = new double[CHUNKS][][];
        IntStream.range(0, CHUNKS).parallel().forEach(c -> {
            double[][] g = new double[dim][dim];
            for (int i = (int) ((long) n * c / CHUNKS), end = (int) ((long) n * (c + 1) / CHUNKS); i < end; i++) {
                for (int a = 0; a < dim; a++) {
                    double xa = x[i * dim + a];
                    if (xa == 0) continue;
                    double[] ga = g[a];
                    for (int b = 0; b <= a; b++) ga[b] += xa * x[i * dim + b];
                }
            }
            parts[c] = g;
        });
        double[][] r = new double[dim][dim];
        for (int a = 0; a < dim; a++) {
            for (int b = 0; b <= a; b++) {
                double v = 0;
                for (int c = 0; c < CHUNKS; c++) v += parts[c][a][b];
                r[a][b] = v / n + (a == b ? RIDGE : 0);
            }
        }
        return r;
    }

    /** The lower-triangular L with L L^T = r (r's lower triangle is read). */
    static double[][] cholesky(double[][] r) {
        int d = r.length;
        double[][] l = new double[d][d];
        for (int j = 0; j < d; j++) {
            double diag = r[j][j];
            for (int k = 0; k < j; k++) diag -= l[j][k] * l[j][k];
            if (!(diag > 0)) throw new IllegalStateException("correlation matrix not positive definite at " + j);
            l[j][j] = Math.sqrt(diag);
            for (int i = j + 1; i < d; i++) {
                double v = r[i][j];
                for (int k = 0; k < j; k++) v -= l[i][k] * l[j][k];
                l[i][j] = v / l[j][j];
            }
        }
        return l;
    }

    /** x_i <- L^-1 x_i for every sample (forward substitution): features uncorrelated with unit variance. */
    private static void whiten(float[] x, int n, int dim, double[][] l) {
        IntStream.range(0, CHUNKS).parallel().forEach(c -> {
            double[] z = new double[dim];
            for (int i = (int) ((long) n * c / CHUNKS), end = (int) ((long) n * (c + 1) / CHUNKS); i < end; i++) {
                for (int j = 0; j < dim; j++) {
                    double v = x[i * dim + j];
                    double[] lj = l[j];
                    for (int k = 0; k < j; k++) v -= lj[k] * z[k];
                    z[j] = v / lj[j];
                }
                for (int j = 0; j < dim; j++) x[i * dim + j] = (float) z[j];
            }
        });
    }

    /** The largest eigenvalue of [x 1]^T [x 1] / n (features with the bias's constant 1), by power iteration from all ones. */
    static double largestEigenvalue(float[] x, int n, int dim) {
        double[] v = new double[dim + 1];
        java.util.Arrays.fill(v, 1 / Math.sqrt(dim + 1));
        double lambda = 0;
        for (int round = 0; round < POWER_ROUNDS; round++) {
            double[] vv = v;
            double[][] parts = new double[CHUNKS][];
            IntStream.range(0, CHUNKS).parallel().forEach(c -> {
                double[] u = new double[dim + 1];
                for (int i = (int) ((long) n * c / CHUNKS), end = (int) ((long) n * (c + 1) / CHUNKS); i < end; i++) {
                    double xv = vv[dim];
                    for (int j = 0; j < dim; j++) xv += x[i * dim + j] * vv[j];
                    for (int j = 0; j < dim; j++) u[j] += xv * x[i * dim + j];
                    u[dim] += xv;
                }
                parts[c] = u;
            });
            double[] u = new double[dim + 1];
            for (int c = 0; c < CHUNKS; c++) for (int j = 0; j <= dim; j++) u[j] += parts[c][j] / n;
            double norm = 0;
            for (double a : u) norm += a * a;
            lambda = Math.sqrt(norm);
            if (lambda == 0) return 0;
            for (int j = 0; j <= dim; j++) v[j] = u[j] / lambda;
        }
        return lambda;
    }

    /** Fits on samples given as rows. */
    public static SoftmaxRegression fit(float[][] x, int[] y, int classes, int iterations) {
        int dim = x[0].length;
        float[] flat = new float[x.length * dim];
        for (int i = 0; i < x.length; i++) System.arraycopy(x[i], 0, flat, i * dim, dim);
        return fit(flat, y, dim, classes, iterations);
    }

    /** Class scores (logits) of one sample, standardised as the training set was. */
    public double[] logits(float[] x, int offset) {
        float[] s = new float[dim];
        for (int j = 0; j < dim; j++) s[j] = (float) ((x[offset + j] - mean[j]) / std[j]);
        double[] p = new double[classes];
        logits(w, s, 0, dim, p);
        return p;
    }

    /** The arg-max class (ties to the lower class). */
    public int predict(float[] x, int offset) {
        double[] z = logits(x, offset);
        int best = 0;
        for (int k = 1; k < classes; k++) if (z[k] > z[best]) best = k;
        return best;
    }

    public int classes() { return classes; }

    /** Mean cross-entropy on the training set at the last iteration. */
    public double finalLoss() { return finalLoss; }

    private static void logits(double[][] w, float[] x, int offset, int dim, double[] out) {
        for (int k = 0; k < w.length; k++) {
            double[] wk = w[k];
            double z = wk[dim];
            for (int j = 0; j < dim; j++) z += wk[j] * x[offset + j];
            out[k] = z;
        }
    }

    private static void softmaxInPlace(double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : p) max = Math.max(max, v);
        double sum = 0;
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.exp(p[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) p[k] /= sum;
    }

    private static double sq(double v) { return v * v; }
}
