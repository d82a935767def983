package io.sparklora.jobs.report;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ChartsTest {
    private static final String BLUE = "#1f77b4";

    private static LineChart diagonal() {
        return new LineChart("Diagonal <test>", "round", "value", List.of(
                new ChartSeries("a", BLUE, new double[] {0, 5, 10}, new double[] {0, 5, 10}, false)));
    }

    private static String polylinePoints(String svg, String series) {
        Matcher m = Pattern.compile("<polyline data-series=\"" + series + "\"[^>]* points=\"([^\"]*)\"").matcher(svg);
        assertThat(m.find()).as("polyline of series %s in %s", series, svg).isTrue();
        return m.group(1);
    }

    @Test
    void knownPointsGiveTheExpectedPolylineCoordinates() {
        // 400 x 300: plot from x 64 to 380 and y 34 to 254; both axes span exactly [0, 10] (ticks of 2).
        String svg = SvgCharts.render(diagonal(), 400, 300);

        assertThat(polylinePoints(svg, "a")).isEqualTo("64.0,254.0 222.0,144.0 380.0,34.0");
        assertThat(svg).startsWith("<svg").endsWith("</svg>").contains("viewBox=\"0 0 400 300\"")
                .contains("Diagonal &lt;test&gt;").doesNotContain("<test>");
        // six y ticks 0, 2, ..., 10 labelled
        assertThat(svg).contains(">0</text>", ">2</text>", ">4</text>", ">6</text>", ">8</text>", ">10</text>");
    }

    @Test
    void axesWidenToNiceStepsAndNonFinitePointsAreDropped() {
        assertThat(ChartGeometry.niceRange(0.13, 0.97)).containsExactly(new double[] {0.0, 1.0, 0.2}, within(1e-12));
        assertThat(ChartGeometry.niceRange(3.0, 3.0)).containsExactly(new double[] {2.7, 3.3, 0.1}, within(1e-12));
        assertThat(ChartGeometry.niceRange(1, 118)).containsExactly(new double[] {0, 120, 20}, within(1e-12));

        ChartSeries s = new ChartSeries("s", BLUE, new double[] {1, 2, 3, 4}, new double[] {1, Double.NaN, 3, Double.POSITIVE_INFINITY}, false);
        assertThat(s.x()).containsExactly(1, 3);
        assertThat(s.y()).containsExactly(1, 3);
        ChartGeometry g = new ChartGeometry(new LineChart("t", "x", "y", List.of(s)), 400, 300);
        assertThat(g.px(g.xMin())).isEqualTo(ChartGeometry.LEFT);
        assertThat(g.py(g.yMax())).isEqualTo(ChartGeometry.TOP);
    }

    @Test
    void markerSeriesGetDotsAndAnEmptyChartSaysSo() {
        LineChart chart = new LineChart("t", "x", "y", List.of(
                new ChartSeries("eval", "#ff7f0e", new double[] {0, 10}, new double[] {2, 1}, true)));
        String svg = SvgCharts.render(chart, 400, 300);
        assertThat(svg.split("<circle", -1)).hasSize(3);
        assertThat(svg).doesNotContain("no data");

        String empty = SvgCharts.render(new LineChart("t", "x", "y", List.of(
                new ChartSeries("none", BLUE, new double[0], new double[0], false))), 400, 300);
        assertThat(empty).contains("no data").doesNotContain("<polyline");
    }

    @Test
    void metricsLinesBecomeTrainAndEvalSeries() {
        List<Map<String, Object>> metrics = List.of(
                Map.of("round", 0, "eval_loss", 3.0),
                Map.of("round", 1, "loss", 2.9, "learning_rate", 0.01, "tokens_per_second", 100.0),
                Map.of("round", 2L, "loss", 2.5, "learning_rate", 0.02, "tokens_per_second", 120.0),
                Map.of("round", 2, "eval_loss", 2.4));
        LineChart loss = ReportCharts.loss(metrics);
        assertThat(loss.series().get(0).x()).containsExactly(1, 2);
        assertThat(loss.series().get(0).y()).containsExactly(2.9, 2.5);
        assertThat(loss.series().get(1).x()).containsExactly(0, 2);
        assertThat(loss.series().get(1).y()).containsExactly(3.0, 2.4);
        assertThat(ReportCharts.learningRate(metrics).series().get(0).y()).containsExactly(0.01, 0.02);
        assertThat(ReportCharts.throughput(metrics).series().get(0).y()).containsExactly(100.0, 120.0);
    }

    @Test
    void pngHasTheRequestedSizeAndDrawsTheSeriesInItsColour() throws Exception {
        byte[] png = PngCharts.png(diagonal(), 400, 300);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));

        assertThat(image.getWidth()).isEqualTo(400);
        assertThat(image.getHeight()).isEqualTo(300);
        int nonWhite = 0;
        int blue = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    nonWhite++;
                }
                if (close(rgb, 0x1f77b4, 40)) {
                    blue++;
                }
            }
        }
        assertThat(nonWhite).isGreaterThan(2000);
        assertThat(blue).as("pixels of the series colour").isGreaterThan(300);
        assertThat(colours.size()).isGreaterThan(5);
        // the line passes through the middle data point (5, 5) at pixel (222, 144)
        assertThat(close(image.getRGB(222, 144) & 0xffffff, 0x1f77b4, 40)).isTrue();
        // and not through the opposite corner of the plot
        assertThat(close(image.getRGB(370, 244) & 0xffffff, 0x1f77b4, 40)).isFalse();
    }

    static boolean close(int rgb, int target, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((rgb >> shift) & 0xff) - ((target >> shift) & 0xff)) > tolerance) {
                return false;
            }
        }
        return true;
    }
}
