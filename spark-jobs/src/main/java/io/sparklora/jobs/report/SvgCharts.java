package io.sparklora.jobs.report;

import java.util.Locale;

/**
 * Renders a {@link LineChart} as an inline SVG element (no external references, no scripts): white background,
 * grid and tick labels, one {@code <polyline>} per series (with {@code data-series} naming it), dots for marker
 * series or single points, and a legend.
 */
public final class SvgCharts {
    private static final String GRID = "#e6e6e6";
    private static final String AXIS = "#555555";
    private static final String TEXT = "#333333";

    private SvgCharts() {
    }

    public static String render(LineChart chart, int width, int height) {
        ChartGeometry g = new ChartGeometry(chart, width, height);
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" width=\"")
                .append(width).append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"")
                .append(Html.escape(chart.title())).append("\" font-family=\"sans-serif\">\n");
        sb.append("<rect x=\"0\" y=\"0\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" fill=\"#ffffff\"/>\n");
        text(sb, width / 2.0, 20, "middle", 14, "bold", chart.title());
        for (double t : g.yTicks()) {
            double y = g.py(t);
            line(sb, g.plotLeft(), y, g.plotRight(), y, GRID, 1);
            text(sb, g.plotLeft() - 6, y + 4, "end", 11, "normal", ChartGeometry.label(t));
        }
        for (double t : g.xTicks()) {
            double x = g.px(t);
            line(sb, x, g.plotTop(), x, g.plotBottom(), GRID, 1);
            text(sb, x, g.plotBottom() + 16, "middle", 11, "normal", ChartGeometry.label(t));
        }
        line(sb, g.plotLeft(), g.plotBottom(), g.plotRight(), g.plotBottom(), AXIS, 1);
        line(sb, g.plotLeft(), g.plotTop(), g.plotLeft(), g.plotBottom(), AXIS, 1);
        text(sb, (g.plotLeft() + g.plotRight()) / 2.0, height - 8, "middle", 12, "normal", chart.xLabel());
        sb.append("<text x=\"14\" y=\"").append(num((g.plotTop() + g.plotBottom()) / 2.0))
                .append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"").append(TEXT).append("\" transform=\"rotate(-90 14 ")
                .append(num((g.plotTop() + g.plotBottom()) / 2.0)).append(")\">").append(Html.escape(chart.yLabel()))
                .append("</text>\n");
        if (!chart.hasData()) {
            text(sb, (g.plotLeft() + g.plotRight()) / 2.0, (g.plotTop() + g.plotBottom()) / 2.0, "middle", 13, "normal", "no data");
        }
        for (ChartSeries s : chart.series()) {
            if (s.isEmpty()) {
                continue;
            }
            sb.append("<polyline data-series=\"").append(Html.escape(s.name())).append("\" fill=\"none\" stroke=\"")
                    .append(s.color()).append("\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"")
                    .append(points(s, g)).append("\"/>\n");
            if (s.markers() || s.size() == 1) {
                for (int i = 0; i < s.size(); i++) {
                    sb.append("<circle cx=\"").append(num(g.px(s.x()[i]))).append("\" cy=\"").append(num(g.py(s.y()[i])))
                            .append("\" r=\"3.5\" fill=\"").append(s.color()).append("\"/>\n");
                }
            }
        }
        double lx = g.plotRight() - 8;
        double ly = g.plotTop() + 14;
        for (int i = chart.series().size() - 1; i >= 0; i--) {
            ChartSeries s = chart.series().get(i);
            double w = 7.0 * s.name().length();
            text(sb, lx, ly, "end", 11, "normal", s.name());
            line(sb, lx - w - 26, ly - 4, lx - w - 6, ly - 4, s.color(), 3);
            lx -= w + 40;
        }
        sb.append("</svg>");
        return sb.toString();
    }

    /** The {@code points} attribute of a series: "x,y" pairs in pixels, one decimal. */
    public static String points(ChartSeries s, ChartGeometry g) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(num(g.px(s.x()[i]))).append(',').append(num(g.py(s.y()[i])));
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, double x1, double y1, double x2, double y2, String color, double width) {
        sb.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(color).append("\" stroke-width=\"")
                .append(num(width)).append("\"/>\n");
    }

    private static void text(StringBuilder sb, double x, double y, String anchor, int size, String weight, String text) {
        sb.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" text-anchor=\"").append(anchor)
                .append("\" font-size=\"").append(size).append("\" font-weight=\"").append(weight).append("\" fill=\"")
                .append(TEXT).append("\">").append(Html.escape(text)).append("</text>\n");
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
