package io.sparklora.jobs.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a {@link LineChart} goes on a canvas of {@code width x height} pixels: the plot rectangle inside fixed
 * margins, axis ranges widened to "nice" tick steps (1, 2 or 5 times a power of ten), and the data-to-pixel maps.
 * Shared by the SVG and PNG renderers, so both draw the same picture.
 */
public final class ChartGeometry {
    public static final int LEFT = 64;
    public static final int RIGHT = 20;
    public static final int TOP = 34;
    public static final int BOTTOM = 46;
    private static final int TARGET_TICKS = 5;

    private final int width;
    private final int height;
    private final double xMin;
    private final double xMax;
    private final double yMin;
    private final double yMax;
    private final List<Double> xTicks;
    private final List<Double> yTicks;

    public ChartGeometry(LineChart chart, int width, int height) {
        if (width <= LEFT + RIGHT || height <= TOP + BOTTOM) {
            throw new IllegalArgumentException("a chart needs more than " + (LEFT + RIGHT) + " x " + (TOP + BOTTOM) + " pixels");
        }
        this.width = width;
        this.height = height;
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (ChartSeries s : chart.series()) {
            for (int i = 0; i < s.size(); i++) {
                x0 = Math.min(x0, s.x()[i]);
                x1 = Math.max(x1, s.x()[i]);
                y0 = Math.min(y0, s.y()[i]);
                y1 = Math.max(y1, s.y()[i]);
            }
        }
        if (x0 > x1) { // no data
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        double[] xs = niceRange(x0, x1);
        double[] ys = niceRange(y0, y1);
        this.xMin = xs[0];
        this.xMax = xs[1];
        this.yMin = ys[0];
        this.yMax = ys[1];
        this.xTicks = ticks(xs);
        this.yTicks = ticks(ys);
    }

    /** [lo, hi, step]: the range widened to whole multiples of a nice step; a single value gets a unit-wide range. */
    static double[] niceRange(double min, double max) {
        if (max == min) {
            double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
            min -= pad;
            max += pad;
        }
        double rough = (max - min) / TARGET_TICKS;
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double norm = rough / magnitude;
        double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
        double lo = Math.floor(min / step + 1e-9) * step;
        double hi = Math.ceil(max / step - 1e-9) * step;
        return new double[] {lo, hi, step};
    }

    private static List<Double> ticks(double[] range) {
        List<Double> out = new ArrayList<>();
        long n = Math.round((range[1] - range[0]) / range[2]);
        for (long i = 0; i <= n; i++) {
            out.add(range[0] + i * range[2]);
        }
        return out;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int plotLeft() {
        return LEFT;
    }

    public int plotTop() {
        return TOP;
    }

    public int plotRight() {
        return width - RIGHT;
    }

    public int plotBottom() {
        return height - BOTTOM;
    }

    public double xMin() {
        return xMin;
    }

    public double xMax() {
        return xMax;
    }

    public double yMin() {
        return yMin;
    }

    public double yMax() {
        return yMax;
    }

    public List<Double> xTicks() {
        return xTicks;
    }

    public List<Double> yTicks() {
        return yTicks;
    }

    /** Pixel column of data x. */
    public double px(double x) {
        return LEFT + (x - xMin) / (xMax - xMin) * (plotRight() - plotLeft());
    }

    /** Pixel row of data y (y grows upwards in data, downwards on screen). */
    public double py(double y) {
        return plotBottom() - (y - yMin) / (yMax - yMin) * (plotBottom() - plotTop());
    }

    /** A short tick label: plain decimals for ordinary magnitudes, else scientific ("2e-04"). */
    public static String label(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.1e", v).replace(".0e", "e");
        }
        String s = String.format(Locale.ROOT, "%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
