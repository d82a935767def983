package io.sparklora.core.analysis;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;

/**
 * A subspace-similarity grid drawn as the LoRA paper's Figure 3 draws it: one cell per (i, j), rows i = 1 … r1 top to
 * bottom, columns j = 1 … r2, colour from 0 (dark) to 1 (bright), with a colour bar. A PNG, drawn headless.
 */
public final class SimilarityHeatmap {
    private static final int MARGIN_LEFT = 56;
    private static final int MARGIN_TOP = 52;
    private static final int MARGIN_RIGHT = 80;
    private static final int MARGIN_BOTTOM = 44;
    private static final int PLOT = 320; // each side of the grid, in pixels (cells are stretched to fill it)
    /** Viridis at five stops: perceptually even and readable in grey. */
    private static final int[][] STOPS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};

    private SimilarityHeatmap() {
    }

    /**
     * Writes phi [r1][r2] with a title (the module), a subtitle (what is compared) and axis names (e.g. "i (r = 8)").
     */
    public static void write(OutputStream out, double[][] phi, String title, String subtitle, String rowAxis,
                             String colAxis) throws IOException {
        int rows = phi.length;
        int cols = phi[0].length;
        int cellW = Math.max(2, PLOT / cols);
        int cellH = Math.max(2, PLOT / rows);
        int width = MARGIN_LEFT + cols * cellW + MARGIN_RIGHT;
        int height = MARGIN_TOP + rows * cellH + MARGIN_BOTTOM;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    g.setColor(colour(phi[i][j]));
                    g.fillRect(MARGIN_LEFT + j * cellW, MARGIN_TOP + i * cellH, cellW, cellH);
                }
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1));
            g.drawRect(MARGIN_LEFT, MARGIN_TOP, cols * cellW, rows * cellH);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int i : ticks(rows)) {
                g.drawString(Integer.toString(i), MARGIN_LEFT - 24, MARGIN_TOP + (i - 1) * cellH + cellH / 2 + 4);
            }
            for (int j : ticks(cols)) {
                g.drawString(Integer.toString(j), MARGIN_LEFT + (j - 1) * cellW + cellW / 2 - 4, MARGIN_TOP + rows * cellH + 14);
            }
            g.drawString(colAxis, MARGIN_LEFT, MARGIN_TOP + rows * cellH + 32);
            g.rotate(-Math.PI / 2);
            g.drawString(rowAxis, -(MARGIN_TOP + rows * cellH), 16);
            g.rotate(Math.PI / 2);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            g.drawString(subtitle, 8, 38);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString(title, 8, 20);
            colourBar(g, MARGIN_LEFT + cols * cellW + 20, MARGIN_TOP, rows * cellH);
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", out);
    }

    private static void colourBar(Graphics2D g, int x, int y, int h) {
        for (int k = 0; k < h; k++) {
            g.setColor(colour(1.0 - (double) k / Math.max(1, h - 1)));
            g.fillRect(x, y + k, 12, 1);
        }
        g.setColor(Color.BLACK);
        g.drawRect(x, y, 12, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        for (double v : new double[] {0, 0.5, 1}) {
            g.drawString(String.format(Locale.ROOT, "%.1f", v), x + 16, y + (int) ((1 - v) * (h - 1)) + 4);
        }
    }

    /** About eight labelled ticks: 1, then multiples of a round step, then n. */
    private static int[] ticks(int n) {
        int step = Math.max(1, (int) Math.ceil(n / 8.0));
        java.util.List<Integer> t = new java.util.ArrayList<>(java.util.List.of(1));
        for (int v = step; v < n; v += step) {
            if (v > 1) {
                t.add(v);
            }
        }
        if (n > 1) {
            t.add(n);
        }
        return t.stream().mapToInt(Integer::intValue).toArray();
    }

    static Color colour(double v) {
        double x = Math.max(0, Math.min(1, v)) * (STOPS.length - 1);
        int k = Math.min(STOPS.length - 2, (int) Math.floor(x));
        double f = x - k;
        int[] a = STOPS[k];
        int[] b = STOPS[k + 1];
        return new Color((int) Math.round(a[0] + f * (b[0] - a[0])), (int) Math.round(a[1] + f * (b[1] - a[1])),
                (int) Math.round(a[2] + f * (b[2] - a[2])));
    }
}
