package io.sparklora.jobs.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Renders a {@link LineChart} to a PNG with Java2D, headless, with the same geometry as {@link SvgCharts}. Text is
 * best effort: where the JVM has no usable fonts the chart is drawn without labels rather than not at all.
 */
public final class PngCharts {
    private static final Color GRID = new Color(0xe6e6e6);
    private static final Color AXIS = new Color(0x555555);
    private static final Color TEXT = new Color(0x333333);

    private PngCharts() {
    }

    /** Sets {@code java.awt.headless=true} unless the JVM was started with a setting of its own. */
    public static void ensureHeadless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    public static byte[] png(LineChart chart, int width, int height) throws IOException {
        BufferedImage image = render(chart, width, height);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer in this JVM");
        }
        return out.toByteArray();
    }

    public static BufferedImage render(LineChart chart, int width, int height) {
        ensureHeadless();
        ChartGeometry g = new ChartGeometry(chart, width, height);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = image.createGraphics();
        try {
            g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g2.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g2.setColor(Color.WHITE);
            g2.fillRect(0, 0, width, height);
            Text text = new Text(g2);
            text.draw(chart.title(), width / 2.0, 20, 0.5, 14, true);
            g2.setStroke(new BasicStroke(1));
            for (double t : g.yTicks()) {
                g2.setColor(GRID);
                g2.draw(new Line2D.Double(g.plotLeft(), g.py(t), g.plotRight(), g.py(t)));
                text.draw(ChartGeometry.label(t), g.plotLeft() - 6, g.py(t) + 4, 1, 11, false);
            }
            for (double t : g.xTicks()) {
                g2.setColor(GRID);
                g2.draw(new Line2D.Double(g.px(t), g.plotTop(), g.px(t), g.plotBottom()));
                text.draw(ChartGeometry.label(t), g.px(t), g.plotBottom() + 16, 0.5, 11, false);
            }
            g2.setColor(AXIS);
            g2.draw(new Line2D.Double(g.plotLeft(), g.plotBottom(), g.plotRight(), g.plotBottom()));
            g2.draw(new Line2D.Double(g.plotLeft(), g.plotTop(), g.plotLeft(), g.plotBottom()));
            text.draw(chart.xLabel(), (g.plotLeft() + g.plotRight()) / 2.0, height - 8, 0.5, 12, false);
            text.drawVertical(chart.yLabel(), 18, (g.plotTop() + g.plotBottom()) / 2.0, 12);
            if (!chart.hasData()) {
                text.draw("no data", (g.plotLeft() + g.plotRight()) / 2.0, (g.plotTop() + g.plotBottom()) / 2.0, 0.5, 13, false);
            }
            for (ChartSeries s : chart.series()) {
                if (s.isEmpty()) {
                    continue;
                }
                Color c = new Color(s.rgb());
                g2.setColor(c);
                g2.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double path = new Path2D.Double();
                path.moveTo(g.px(s.x()[0]), g.py(s.y()[0]));
                for (int i = 1; i < s.size(); i++) {
                    path.lineTo(g.px(s.x()[i]), g.py(s.y()[i]));
                }
                g2.draw(path);
                if (s.markers() || s.size() == 1) {
                    for (int i = 0; i < s.size(); i++) {
                        g2.fill(new Ellipse2D.Double(g.px(s.x()[i]) - 3.5, g.py(s.y()[i]) - 3.5, 7, 7));
                    }
                }
            }
            double lx = g.plotRight() - 8;
            double ly = g.plotTop() + 14;
            for (int i = chart.series().size() - 1; i >= 0; i--) {
                ChartSeries s = chart.series().get(i);
                double w = text.width(s.name(), 11);
                text.draw(s.name(), lx, ly, 1, 11, false);
                g2.setColor(new Color(s.rgb()));
                g2.setStroke(new BasicStroke(3f));
                g2.draw(new Line2D.Double(lx - w - 26, ly - 4, lx - w - 6, ly - 4));
                lx -= w + 40;
            }
        } finally {
            g2.dispose();
        }
        return image;
    }

    /** Text drawing that turns itself off at the first font failure (a JVM without fonts), keeping the lines. */
    private static final class Text {
        private final Graphics2D g2;
        private boolean broken;

        Text(Graphics2D g2) {
            this.g2 = g2;
        }

        /** @param align 0 left, 0.5 centre, 1 right of x */
        void draw(String s, double x, double y, double align, int size, boolean bold) {
            if (broken || s == null || s.isEmpty()) {
                return;
            }
            try {
                g2.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size));
                g2.setColor(TEXT);
                FontMetrics fm = g2.getFontMetrics();
                g2.drawString(s, (float) (x - align * fm.stringWidth(s)), (float) y);
            } catch (RuntimeException | LinkageError e) {
                broken = true;
            }
        }

        void drawVertical(String s, double x, double y, int size) {
            if (broken || s == null || s.isEmpty()) {
                return;
            }
            AffineTransform saved = g2.getTransform();
            try {
                g2.rotate(-Math.PI / 2, x, y);
                draw(s, x, y, 0.5, size, false);
            } finally {
                g2.setTransform(saved);
            }
        }

        double width(String s, int size) {
            if (broken) {
                return 7.0 * s.length();
            }
            try {
                return g2.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, size)).stringWidth(s);
            } catch (RuntimeException | LinkageError e) {
                broken = true;
                return 7.0 * s.length();
            }
        }
    }
}
