using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AutoGrad.Tensors;
using AutoGrad.Tests.Examples;

namespace AutoGrad.Tests.Packaging;

/// <summary>
/// Packs AutoGrad and AutoGrad.Testing from the build the suite just ran (<c>dotnet pack --no-build</c>), checks the
/// packages' metadata, then installs them from a local folder feed into a fresh console project with
/// <c>dotnet add package</c> and runs the README's quick start there. No network: the local feed serves the two
/// packages, and the machine's NuGet configuration (its package folder as a fallback) serves their dependencies.
/// </summary>
public sealed class PackageSmokeTests(PackageSmokeTests.PackFixture fixture) : IClassFixture<PackageSmokeTests.PackFixture>
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public void Pack_AutoGrad_HasMetadataSymbolsDocsAndOnlyTheTensorsDependency()
    {
        PackedPackages packages = fixture.Packages;
        XElement metadata = Nuspec(packages.AutoGrad);

        Assert.Equal("AutoGrad", Value(metadata, "id"));
        Assert.Equal(packages.Version, Value(metadata, "version"));
        AssertCommonMetadata(metadata);
        Assert.Equal(["System.Numerics.Tensors"], Dependencies(metadata));
        Assert.Contains("lib/net10.0/AutoGrad.xml", Entries(packages.AutoGrad));
        Assert.Contains("README.md", Entries(packages.AutoGrad));
        Assert.Contains("lib/net10.0/AutoGrad.pdb", Entries(Path.ChangeExtension(packages.AutoGrad, ".snupkg")));
    }

    [Fact]
    public void Pack_AutoGradTesting_DependsOnAutoGradAndDiffPlex()
    {
        PackedPackages packages = fixture.Packages;
        XElement metadata = Nuspec(packages.Testing);

        Assert.Equal("AutoGrad.Testing", Value(metadata, "id"));
        Assert.Equal(packages.Version, Value(metadata, "version"));
        AssertCommonMetadata(metadata);
        Assert.Equal(["AutoGrad", "DiffPlex"], Dependencies(metadata));
        Assert.Contains("lib/net10.0/AutoGrad.Testing.xml", Entries(packages.Testing));
        Assert.Contains("lib/net10.0/AutoGrad.Testing.pdb", Entries(Path.ChangeExtension(packages.Testing, ".snupkg")));
    }

    [Fact]
    public void Install_FromLocalFeedIntoFreshConsoleProject_RunsTheReadmeQuickStart()
    {
        PackedPackages packages = fixture.Packages;
        string app = Path.Combine(packages.WorkDirectory, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "app.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>
            """);

        // The README's quick start, verbatim, then one line that needs AutoGrad.Testing and its DiffPlex dependency.
        string quickStart = MarkdownCodeBlocks.Read("README.md")
            .First(b => b.Code.Contains("model.Fit(", StringComparison.Ordinal)).Code;
        File.WriteAllText(Path.Combine(app, "Program.cs"), quickStart + "\nConsole.Write(AutoGrad.Testing.UnifiedDiff.Create(\"a\\n\", \"b\\n\"));\n");

        Dotnet(app, "add", "package", "AutoGrad", "--version", packages.Version);
        Dotnet(app, "add", "package", "AutoGrad.Testing", "--version", packages.Version);
        string output = Dotnet(app, "run", "-c", "Release").ReplaceLineEndings("\n");

        // The same first lines the quick start prints in this process.
        var w = Tensor.FromArray(new float[,] { { 0.5f, -1f }, { 2f, 0.3f } }).RequireGrad();
        var v = Tensor.FromArray(new float[] { 1f, 2f });
        w.MatMul(v).Tanh().Square().Sum().Backward();
        Assert.StartsWith(w.Grad!.ToString().ReplaceLineEndings("\n"), output, StringComparison.Ordinal);
        Assert.EndsWith("--- verified\n+++ received\n@@ -1,1 +1,1 @@\n-a\n+b\n", output, StringComparison.Ordinal);
        string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.Contains($"\"AutoGrad/{packages.Version}\"", assets, StringComparison.Ordinal);
        Assert.Contains($"\"AutoGrad.Testing/{packages.Version}\"", assets, StringComparison.Ordinal);
    }

    private static void AssertCommonMetadata(XElement metadata)
    {
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.Equal("expression", metadata.Element(metadata.Name.Namespace + "license")!.Attribute("type")!.Value);
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.Contains("autograd", Value(metadata, "tags").Split(' '));
        XElement repository = metadata.Element(metadata.Name.Namespace + "repository")!;
        Assert.Equal("git", repository.Attribute("type")!.Value);
        Assert.StartsWith("https://github.com/", repository.Attribute("url")!.Value, StringComparison.Ordinal);
    }

    private static PackedPackages Pack()
    {
        string version = Regex.Match(File.ReadAllText(Path.Combine(MarkdownCodeBlocks.RepositoryRoot, "Directory.Build.props")), "<Version>([^<]+)</Version>").Groups[1].Value;
        string work = Directory.CreateTempSubdirectory("autograd-pack").FullName;
        string feed = Path.Combine(work, "feed");

        // A private package folder, so a package of the same version from an earlier run is never picked up; the
        // machine's folder is a fallback for the dependencies (System.Numerics.Tensors, DiffPlex).
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" />
              </config>
              <packageSources>
                <add key="autograd-local" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        foreach (string project in new[] { "src/AutoGrad/AutoGrad.csproj", "src/AutoGrad.Testing/AutoGrad.Testing.csproj" })
        {
            Dotnet(MarkdownCodeBlocks.RepositoryRoot, "pack", project, "-c", Configuration, "--no-build", "-o", feed);
        }

        return new PackedPackages(version, work, Path.Combine(feed, $"AutoGrad.{version}.nupkg"), Path.Combine(feed, $"AutoGrad.Testing.{version}.nupkg"));
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/>; returns its standard output, or fails with both streams.</summary>
    private static string Dotnet(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} (in {directory}) exited with {process.ExitCode}:\n{output}\n{error.Result}");
        return output;
    }

    private static XElement Nuspec(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        using Stream stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        XElement root = XElement.Load(stream);
        return root.Element(root.Name.Namespace + "metadata")!;
    }

    private static string Value(XElement metadata, string name) => metadata.Element(metadata.Name.Namespace + name)?.Value ?? "";

    private static string[] Dependencies(XElement metadata) =>
        metadata.Descendants(metadata.Name.Namespace + "dependency").Select(d => d.Attribute("id")!.Value).Order(StringComparer.Ordinal).ToArray();

    private static string[] Entries(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    /// <summary>The packed packages and their feed, made once for the class and deleted after it.</summary>
    public sealed class PackFixture : IDisposable
    {
        private readonly Lazy<PackedPackages> packages = new(Pack);

        internal PackedPackages Packages => packages.Value;

        /// <inheritdoc/>
        public void Dispose()
        {
            if (packages.IsValueCreated)
            {
                Directory.Delete(packages.Value.WorkDirectory, recursive: true);
            }
        }
    }

    internal sealed record PackedPackages(string Version, string WorkDirectory, string AutoGrad, string Testing);
}
