package io.sparklora.jobs.report;

import java.util.List;

/** A line chart's content: rendered as inline SVG ({@link SvgCharts}) and as PNG ({@link PngCharts}) alike. */
public record LineChart(String title, String xLabel, String yLabel, List<ChartSeries> series) {
    public LineChart {
        series = List.copyOf(series);
    }

    public boolean hasData() {
        return series.stream().anyMatch(s -> !s.isEmpty());
    }
}
