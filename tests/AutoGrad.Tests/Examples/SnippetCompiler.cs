using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace AutoGrad.Tests.Examples;

/// <summary>Compiles one documentation block as a user's program would be: a console app with the SDK's implicit usings.</summary>
internal static class SnippetCompiler
{
    // What `<ImplicitUsings>enable</ImplicitUsings>` gives a console project, so blocks need not repeat it.
    private const string ImplicitUsings =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.IO;\nglobal using System.Linq;\n" +
        "global using System.Net.Http;\nglobal using System.Threading;\nglobal using System.Threading.Tasks;\n";

    /// <summary>CS5001: no Main — a block holding only type declarations is a fine library snippet.</summary>
    private const string NoEntryPoint = "CS5001";

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);

    /// <summary>The compiler's errors for <paramref name="code"/>, formatted as <c>line:column: CSxxxx message</c>; empty when it compiles.</summary>
    public static IReadOnlyList<string> Errors(string code)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree block = CSharpSyntaxTree.ParseText(code, parseOptions, path: "block.cs");
        SyntaxTree usings = CSharpSyntaxTree.ParseText(ImplicitUsings, parseOptions, path: "usings.cs");
        var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);
        var compilation = CSharpCompilation.Create("DocBlock", [usings, block], References.Value, options);
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != NoEntryPoint)
            .Select(d =>
            {
                var position = d.Location.GetLineSpan().StartLinePosition;
                return $"{position.Line + 1}:{position.Character + 1}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .ToList();
    }

    // Everything the test host can load (the runtime, AutoGrad, the examples): what a user's project would reference.
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        string paths = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        var references = new List<MetadataReference>();
        foreach (string path in paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                references.Add(MetadataReference.CreateFromFile(path));
            }
        }
        return references;
    }
}
