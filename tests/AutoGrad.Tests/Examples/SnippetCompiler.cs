using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AutoGrad.Tests.Examples;

/// <summary>
/// Compiles documentation blocks as a reader would use them: a console program with the SDK's implicit usings plus
/// every public AutoGrad namespace (so blocks need not repeat their usings), referencing AutoGrad and the examples.
/// </summary>
internal static class SnippetCompiler
{
    // What `<ImplicitUsings>enable</ImplicitUsings>` gives a console project.
    private static readonly string[] SdkUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    /// <summary>CS5001: no Main — a block holding only type declarations is a fine library snippet.</summary>
    private const string NoEntryPoint = "CS5001";

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(LoadReferences);
    // Xunit too, so a page may show a test method (graph-snapshots.md does).
    private static readonly Lazy<string> GlobalUsings = new(() => string.Concat(SdkUsings.Concat(AutoGradNamespaces()).Append("Xunit").Select(n => $"global using {n};\n")));
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>The compiler's errors for <paramref name="code"/>, formatted as <c>line:column: CSxxxx message</c>; empty when it compiles.</summary>
    public static IReadOnlyList<string> Errors(string code) => Compile(Parse(code).Statements, Parse(code).Types);

    /// <summary>
    /// Compiles <paramref name="block"/> after <paramref name="earlier"/> blocks of the same page, as one program:
    /// their statements run in page order, their types and usings are shared — the way a reader follows a page.
    /// </summary>
    public static IReadOnlyList<string> ErrorsAfter(IReadOnlyList<string> earlier, string block)
    {
        var parts = earlier.Append(block).Select(Parse).ToList();
        return Compile(string.Concat(parts.Select(p => p.Statements)), string.Concat(parts.Select(p => p.Types)), string.Concat(parts.Select(p => p.Usings)));
    }

    /// <summary>Compiles <paramref name="code"/> as the members of a class: for blocks showing one method or property.</summary>
    public static IReadOnlyList<string> ErrorsAsMembers(string code) =>
        Compile("", "internal sealed class DocumentationBlock\n{\n" + code + "\n}\n");

    private static (string Statements, string Types, string Usings) Parse(string code)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ParseOptions).GetRoot();
        // Usings become global so that the statements and types of several blocks can live in separate files.
        string usings = string.Concat(root.Usings.Select(u => u.GlobalKeyword.IsKind(SyntaxKind.None) ? "global " + u.ToString() + "\n" : u + "\n"));
        string statements = string.Concat(root.Members.OfType<GlobalStatementSyntax>().Select(s => s.ToFullString()));
        string types = string.Concat(root.Members.Where(m => m is not GlobalStatementSyntax).Select(m => m.ToFullString()));
        return (statements + "\n", types + "\n", usings);
    }

    private static IReadOnlyList<string> Compile(string statements, string types, string usings = "")
    {
        // Statements, types and usings go in separate trees so that line numbers of a single block stay its own.
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(GlobalUsings.Value + usings, ParseOptions, path: "usings.cs"),
            CSharpSyntaxTree.ParseText(statements, ParseOptions, path: "block.cs"),
            CSharpSyntaxTree.ParseText(types, ParseOptions, path: "types.cs"),
        };
        var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);
        var compilation = CSharpCompilation.Create("DocBlock", trees, References.Value, options);
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != NoEntryPoint)
            .Select(d =>
            {
                var position = d.Location.GetLineSpan().StartLinePosition;
                return $"{position.Line + 1}:{position.Character + 1}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .ToList();
    }

    private static IEnumerable<string> AutoGradNamespaces()
    {
        var assemblies = new List<Assembly> { typeof(AutoGrad.Tensors.Tensor).Assembly };
        foreach (string name in new[] { "AutoGrad.Testing", "AutoGrad.Onnx" })
        {
            try
            {
                assemblies.Add(Assembly.Load(new AssemblyName(name)));
            }
            catch (FileNotFoundException)
            {
                // Not referenced: its namespaces simply are not implicit.
            }
        }
        return assemblies.SelectMany(a => a.GetExportedTypes()).Select(t => t.Namespace).OfType<string>().Distinct().Order(StringComparer.Ordinal);
    }

    // Everything the test host can load (the runtime, AutoGrad, the examples): what a user's project would reference.
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        string paths = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        return paths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    }
}
