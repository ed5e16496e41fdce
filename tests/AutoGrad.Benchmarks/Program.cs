using AutoGrad.Benchmarks;
using BenchmarkDotNet.Running;

// Usage: dotnet run -c Release --project tests/AutoGrad.Benchmarks -- [--quick] [BenchmarkDotNet options, e.g. --filter *Gemm*]
// --quick swaps the default job for a short one (BenchmarkDotNet's ShortRun) so the whole suite smoke-runs in minutes.
bool quick = args.Contains("--quick");
string[] benchmarkArgs = args.Where(arg => arg != "--quick").ToArray();
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(benchmarkArgs, new BenchmarkConfig(quick));
