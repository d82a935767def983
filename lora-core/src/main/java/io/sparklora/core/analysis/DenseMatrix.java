package io.sparklora.core.analysis;

import java.util.Random;

/**
 * A small dense matrix in float64, row-major: the analyses' working type (LoRA factors and the weights they adapt are
 * at most a few thousand wide; the analyses are one-off, so exactness matters more than speed).
 */
public record DenseMatrix(int rows, int cols, double[] values) {
    public DenseMatrix {
        if (rows < 0 || cols < 0 || values.length != (long) rows * cols) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix needs " + ((long) rows * cols)
                    + " values, got " + values.length);
        }
    }

    public static DenseMatrix zeros(int rows, int cols) {
        return new DenseMatrix(rows, cols, new double[rows * cols]);
    }

    /** From row-major float32 values (a safetensors tensor). */
    public static DenseMatrix of(int rows, int cols, float[] values) {
        double[] v = new double[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return new DenseMatrix(rows, cols, v);
    }

    /** Entries drawn from a standard normal distribution. */
    public static DenseMatrix gaussian(int rows, int cols, Random rng) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
        }
        return new DenseMatrix(rows, cols, v);
    }

    public double get(int r, int c) {
        return values[r * cols + c];
    }

    public DenseMatrix transpose() {
        double[] t = new double[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = values[r * cols + c];
            }
        }
        return new DenseMatrix(cols, rows, t);
    }

    /** this · other. */
    public DenseMatrix times(DenseMatrix other) {
        if (cols != other.rows) {
            throw new IllegalArgumentException("cannot multiply " + rows + " x " + cols + " by " + other.rows + " x "
                    + other.cols);
        }
        double[] out = new double[rows * other.cols];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                double a = values[r * cols + k];
                if (a == 0) {
                    continue;
                }
                int o = k * other.cols;
                int d = r * other.cols;
                for (int c = 0; c < other.cols; c++) {
                    out[d + c] += a * other.values[o + c];
                }
            }
        }
        return new DenseMatrix(rows, other.cols, out);
    }

    public DenseMatrix scaled(double s) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= s;
        }
        return new DenseMatrix(rows, cols, out);
    }

    /** The first {@code n} columns. */
    public DenseMatrix leftColumns(int n) {
        double[] out = new double[rows * n];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * cols, out, r * n, n);
        }
        return new DenseMatrix(rows, n, out);
    }

    public double frobenius() {
        double s = 0;
        for (double v : values) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** An orthonormal basis of the column space (modified Gram-Schmidt, twice for accuracy): [rows, cols]. */
    public DenseMatrix orthonormalColumns() {
        double[][] q = new double[cols][rows];
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                q[c][r] = values[r * cols + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < c; p++) {
                    double dot = 0;
                    for (int r = 0; r < rows; r++) {
                        dot += q[p][r] * q[c][r];
                    }
                    for (int r = 0; r < rows; r++) {
                        q[c][r] -= dot * q[p][r];
                    }
                }
            }
            double norm = 0;
            for (int r = 0; r < rows; r++) {
                norm += q[c][r] * q[c][r];
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                throw new IllegalArgumentException("the columns are linearly dependent: column " + c
                        + " lies in the span of the ones before it");
            }
            for (int r = 0; r < rows; r++) {
                q[c][r] /= norm;
            }
        }
        double[] out = new double[rows * cols];
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                out[r * cols + c] = q[c][r];
            }
        }
        return new DenseMatrix(rows, cols, out);
    }
}
