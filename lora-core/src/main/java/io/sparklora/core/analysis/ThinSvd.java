package io.sparklora.core.analysis;

/**
 * The thin singular value decomposition M = U·diag(s)·Vᵀ of an m x n matrix, k = min(m, n): U [m, k] and V [n, k]
 * with orthonormal columns, s descending. One-sided Jacobi (Hestenes): rotate pairs of columns until all are
 * orthogonal; accurate to working precision for the small matrices the analyses decompose (LoRA factors, r x r cores).
 */
public record ThinSvd(DenseMatrix u, double[] s, DenseMatrix v) {
    private static final int MAX_SWEEPS = 60;
    private static final double TOLERANCE = 1e-15;

    public static ThinSvd of(DenseMatrix m) {
        if (m.rows() < m.cols()) {
            ThinSvd t = of(m.transpose()); // Mᵀ = U'·S·V'ᵀ → M = V'·S·U'ᵀ
            return new ThinSvd(t.v(), t.s(), t.u());
        }
        int rows = m.rows();
        int n = m.cols();
        double[][] w = new double[n][rows]; // columns of M, rotated towards M·V
        double[][] v = new double[n][n]; // columns of V
        for (int c = 0; c < n; c++) {
            for (int r = 0; r < rows; r++) {
                w[c][r] = m.get(r, c);
            }
            v[c][c] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = dot(w[p], w[p]);
                    double beta = dot(w[q], w[q]);
                    double gamma = dot(w[p], w[q]);
                    if (Math.abs(gamma) <= TOLERANCE * Math.sqrt(alpha * beta) || gamma == 0) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotate(w[p], w[q], c, s);
                    rotate(v[p], v[q], c, s);
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] sigma = new double[n];
        for (int c = 0; c < n; c++) {
            sigma[c] = Math.sqrt(dot(w[c], w[c]));
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(sigma[b], sigma[a]));
        double[] s = new double[n];
        double[] u = new double[rows * n];
        double[] vv = new double[n * n];
        for (int k = 0; k < n; k++) {
            int c = order[k];
            s[k] = sigma[c];
            for (int r = 0; r < rows; r++) {
                u[r * n + k] = sigma[c] == 0 ? 0 : w[c][r] / sigma[c];
            }
            for (int r = 0; r < n; r++) {
                vv[r * n + k] = v[c][r];
            }
        }
        return new ThinSvd(new DenseMatrix(rows, n, u), s, new DenseMatrix(n, n, vv));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** (a, b) ← (c·a − s·b, s·a + c·b). */
    private static void rotate(double[] a, double[] b, double c, double s) {
        for (int i = 0; i < a.length; i++) {
            double x = a[i];
            double y = b[i];
            a[i] = c * x - s * y;
            b[i] = s * x + c * y;
        }
    }
}
