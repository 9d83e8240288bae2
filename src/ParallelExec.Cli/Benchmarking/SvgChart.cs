using System.Globalization;
using System.Net;
using System.Text;

namespace ParallelExec.Cli.Benchmarking;

/// <summary>
/// A small line chart as SVG: speed-up over sequential (y) against workers (x), one line per
/// series, the theoretical limit min(workers, cores) drawn dashed. Hand-written: a few lines of
/// SVG need no charting library.
/// </summary>
public static class SvgChart
{
    private static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

    public sealed record Series(string Name, IReadOnlyList<(int Workers, double Speedup)> Points);

    public static string Render(string title, string subtitle, IReadOnlyList<Series> series, int cores)
    {
        const int width = 780, height = 440, left = 70, right = 250, top = 60, bottom = 60;
        int plotW = width - left - right, plotH = height - top - bottom;
        var workers = series.SelectMany(s => s.Points.Select(p => p.Workers)).Append(1).Distinct().Order().ToArray();
        int maxWorkers = workers.Max();
        double maxY = Math.Max(Math.Min(maxWorkers, cores), series.SelectMany(s => s.Points.Select(p => p.Speedup)).DefaultIfEmpty(1).Max());
        maxY = Math.Ceiling(maxY * 1.1 * 2) / 2;
        // x: log2 of workers (1, 2, 4, 8 evenly spaced)
        double Lx(int w) => Math.Log2(w);
        double lxMax = Math.Max(1, Lx(maxWorkers));
        string X(int w) => F(left + plotW * Lx(w) / lxMax);
        string Y(double v) => F(top + plotH * (1 - v / maxY));

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{left}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append($"<text x=\"{left}\" y=\"42\" fill=\"#555\">{Escape(subtitle)}</text>\n");
        for (double v = 0; v <= maxY + 1e-9; v += maxY > 4 ? 1 : 0.5)
        {
            svg.Append($"<line x1=\"{left}\" x2=\"{left + plotW}\" y1=\"{Y(v)}\" y2=\"{Y(v)}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append($"<text x=\"{left - 8}\" y=\"{Y(v)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{v.ToString("0.#", CultureInfo.InvariantCulture)}x</text>\n");
        }
        foreach (int w in workers)
            svg.Append($"<text x=\"{X(w)}\" y=\"{top + plotH + 18}\" text-anchor=\"middle\">{w}</text>\n");
        svg.Append($"<text x=\"{left + plotW / 2}\" y=\"{height - 16}\" text-anchor=\"middle\">workers</text>\n");
        svg.Append($"<text transform=\"rotate(-90)\" x=\"{-(top + plotH / 2)}\" y=\"20\" text-anchor=\"middle\">speed-up over sequential</text>\n");
        svg.Append($"<line x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{top + plotH}\" stroke=\"#333\"/>\n");
        svg.Append($"<line x1=\"{left}\" x2=\"{left + plotW}\" y1=\"{top + plotH}\" y2=\"{top + plotH}\" stroke=\"#333\"/>\n");

        // Theoretical limit: min(workers, cores).
        var limit = string.Join(" ", workers.Select(w => $"{X(w)},{Y(Math.Min(w, cores))}"));
        svg.Append($"<polyline points=\"{limit}\" fill=\"none\" stroke=\"#888\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n");
        int legendY = top + 10;
        svg.Append($"<line x1=\"{left + plotW + 16}\" x2=\"{left + plotW + 40}\" y1=\"{legendY}\" y2=\"{legendY}\" stroke=\"#888\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n");
        svg.Append($"<text x=\"{left + plotW + 46}\" y=\"{legendY}\" dominant-baseline=\"middle\">limit: min(workers, {cores} cores)</text>\n");

        for (int s = 0; s < series.Count; s++)
        {
            string color = Colors[s % Colors.Length];
            var points = series[s].Points.OrderBy(p => p.Workers).ToArray();
            svg.Append($"<polyline points=\"{string.Join(" ", points.Select(p => $"{X(p.Workers)},{Y(p.Speedup)}"))}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            foreach (var p in points)
                svg.Append($"<circle cx=\"{X(p.Workers)}\" cy=\"{Y(p.Speedup)}\" r=\"3.5\" fill=\"{color}\"><title>{Escape(series[s].Name)}, {p.Workers} workers: {p.Speedup.ToString("0.00", CultureInfo.InvariantCulture)}x</title></circle>\n");
            int y = legendY + 22 * (s + 1);
            svg.Append($"<line x1=\"{left + plotW + 16}\" x2=\"{left + plotW + 40}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"2\"/>\n");
            svg.Append($"<text x=\"{left + plotW + 46}\" y=\"{y}\" dominant-baseline=\"middle\">{Escape(series[s].Name)}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
