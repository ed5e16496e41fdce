using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Mathematics;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AutoGrad.Benchmarks;

/// <summary>
/// The configuration every AutoGrad benchmark runs with: memory diagnoser, median and minimum columns, the ratio of
/// minima to the baseline, a GFLOP/s column for benchmarks whose parameters count their floating-point work, and GitHub
/// markdown output.
/// </summary>
/// <remarks>
/// The minimum is reported beside the mean because on a shared host the noise only ever adds time (another tenant on the
/// same physical core or cache): the same call measured 85 µs at best and 125 µs in the median within one process on
/// 2026-11-30. BenchmarkDotNet runs each method in its own process, minutes apart, so a ratio of means or medians
/// compares different minutes of the host; the ratio of minima compares each method at its least disturbed.
/// </remarks>
public sealed class BenchmarkConfig : ManualConfig
{
    /// <summary>Creates the configuration; <paramref name="quick"/> selects a short job for smoke runs.</summary>
    public BenchmarkConfig(bool quick)
    {
        Add(DefaultConfig.Instance);
        AddJob(quick ? Job.ShortRun.WithId("Quick") : Job.Default);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, new MinRatioColumn(), new GflopsColumn());
        AddExporter(MarkdownExporter.GitHub);
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}

/// <summary>A benchmark parameter that knows how many floating-point operations one call performs.</summary>
public interface IFlopCount
{
    /// <summary>Floating-point operations per benchmark invocation (a multiply-add counts as two).</summary>
    double Flops { get; }
}

/// <summary>Floating-point rate from the median time: <see cref="IFlopCount.Flops"/> / median, in GFLOP/s.</summary>
public sealed class GflopsColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(GflopsColumn);

    /// <inheritdoc/>
    public string ColumnName => "GFLOP/s";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Floating-point operations per call (2·M·N·K for a matrix product) / median time, in 10^9 per second";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        IFlopCount? work = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IFlopCount>().FirstOrDefault();
        double? medianNs = summary[benchmarkCase]?.ResultStatistics?.Median;
        return work is null || medianNs is not > 0 ? "-" : (work.Flops / medianNs.Value).ToString("F1", style.CultureInfo);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>
/// A benchmark's minimum time ÷ its baseline's minimum time in the same run and parameter set (BenchmarkDotNet's own
/// Ratio column divides means). BenchmarkDotNet's <see cref="BaselineCustomColumn"/> finds the baseline and leaves the
/// cell empty for classes without one.
/// </summary>
public sealed class MinRatioColumn : BaselineCustomColumn
{
    /// <inheritdoc/>
    public override string Id => nameof(MinRatioColumn);

    /// <inheritdoc/>
    public override string ColumnName => "Ratio(min)";

    /// <inheritdoc/>
    public override int PriorityInCategory => 1;

    /// <inheritdoc/>
    public override bool IsNumeric => true;

    /// <inheritdoc/>
    public override UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public override string Legend => "Minimum time / the baseline's minimum time (same run, same parameters)";

    /// <inheritdoc/>
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, Statistics baseline,
        IReadOnlyDictionary<string, Metric> baselineMetrics, Statistics current, IReadOnlyDictionary<string, Metric> currentMetrics,
        bool isBaseline) =>
        baseline.Min > 0 ? (current.Min / baseline.Min).ToString("F2", CultureInfo.InvariantCulture) : "-";
}
