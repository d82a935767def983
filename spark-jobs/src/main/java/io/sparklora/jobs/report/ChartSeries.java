package io.sparklora.jobs.report;

import java.util.Arrays;

/**
 * One line of a chart: (x, y) points in order, drawn in {@code color} (a {@code #rrggbb} string). Non-finite points
 * are dropped.
 *
 * @param markers draw a dot at every point (for sparse series such as evaluations)
 */
public record ChartSeries(String name, String color, double[] x, double[] y, boolean markers) {
    public ChartSeries {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
        }
        if (!color.matches("#[0-9a-fA-F]{6}")) {
            throw new IllegalArgumentException("series " + name + ": colour " + color + " is not #rrggbb");
        }
        int n = 0;
        double[] fx = new double[x.length];
        double[] fy = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                fx[n] = x[i];
                fy[n] = y[i];
                n++;
            }
        }
        x = Arrays.copyOf(fx, n);
        y = Arrays.copyOf(fy, n);
    }

    public int size() {
        return x.length;
    }

    public boolean isEmpty() {
        return x.length == 0;
    }

    /** The colour as 0xRRGGBB. */
    public int rgb() {
        return Integer.parseInt(color.substring(1), 16);
    }
}
