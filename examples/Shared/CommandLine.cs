using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AutoGrad.Examples;

/// <summary>
/// What the examples share on top of System.CommandLine (linked into each example project): options whose values are
/// checked with messages that name the option, parsing that throws <see cref="CommandLineException"/> with the first
/// problem, the generated help text, and the library's suggestions for a misspelled option.
/// </summary>
internal static class CommandLine
{
    /// <summary>An option taking one value read by <paramref name="parse"/>, which throws <see cref="FormatException"/> naming the option.</summary>
    /// <param name="name">The option, e.g. <c>--epochs</c>.</param>
    /// <param name="helpName">The value's placeholder in the help, e.g. <c>N</c>.</param>
    /// <param name="description">The help text.</param>
    /// <param name="parse">Reads the value given after the option (the option's name is its first argument).</param>
    /// <param name="defaultValue">The value when the option is absent.</param>
    public static Option<T> Value<T>(string name, string helpName, string description, Func<string, string, T> parse, T defaultValue = default!)
    {
        // One value per occurrence; given more than once, the last occurrence wins (as the examples always did). Zero
        // values are allowed by the arity so that an option given without one reaches our own message.
        var option = new Option<T>(name)
        {
            HelpName = helpName,
            Description = description,
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => defaultValue,
        };
        option.CustomParser = result =>
        {
            try
            {
                return parse(name, result.Tokens.Count == 0 ? throw new FormatException($"Option {name} needs a value.") : result.Tokens[^1].Value);
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return defaultValue;
            }
        };
        // Given without a value, an option with a default skips the parser; say that it needs one.
        option.Validators.Add(result =>
        {
            if (!result.Implicit && result.Tokens.Count == 0)
            {
                result.AddError($"Option {name} needs a value.");
            }
        });
        return option;
    }

    /// <summary>A positive whole number.</summary>
    public static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"Option {option} needs a positive whole number, not '{value}'.");

    /// <summary>Any whole number.</summary>
    public static long Long(string option, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new FormatException($"Option {option} needs a whole number, not '{value}'.");

    /// <summary>A positive finite number.</summary>
    public static double PositiveDouble(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)
            ? x
            : throw new FormatException($"Option {option} needs a positive number, not '{value}'.");

    /// <summary>A non-empty string.</summary>
    public static string NonEmpty(string option, string value) =>
        value is { Length: > 0 } ? value : throw new FormatException($"Option {option} needs a non-empty value.");

    /// <summary>Parses <paramref name="args"/> against <paramref name="command"/>.</summary>
    /// <returns>The parse result, free of errors.</returns>
    /// <exception cref="FormatException">
    /// An option is unknown ("Unknown option '--x'."), lacks its value, or its value is not valid; the message says which.
    /// </exception>
    public static ParseResult Parse(Command command, IReadOnlyList<string> args)
    {
        ParseResult result = command.Parse(args);
        if (result.UnmatchedTokens.Count > 0)
        {
            throw new FormatException($"Unknown option '{result.UnmatchedTokens[0]}'.");
        }

        return result.Errors.Count > 0 ? throw new FormatException(result.Errors[0].Message) : result;
    }

    /// <summary>Whether <c>-h</c>, <c>-?</c> or <c>--help</c> was given.</summary>
    public static bool HelpRequested(ParseResult result) => result.GetResult("--help") is not null;

    /// <summary>
    /// A command named <paramref name="name"/> with <c>-h, -?, --help</c> and <paramref name="options"/>; its description
    /// says how to run the example with <c>dotnet run</c>.
    /// </summary>
    public static Command Create(string name, string description, params Option[] options)
    {
        var command = new Command(name, $"{description}\nRun: dotnet run -c Release --project examples/{name} -- [options]") { new HelpOption() };
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }

        return command;
    }

    /// <summary>
    /// The help System.CommandLine generates for <paramref name="command"/> (description, usage, options with their
    /// descriptions and defaults), with value placeholders written <c>--epochs N</c> as the examples always showed them.
    /// </summary>
    public static string Help(Command command)
    {
        var text = new StringWriter();
        command.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = text, Error = text });
        // "<N> " becomes "N   ": the same width, so the description column stays aligned.
        return Regex.Replace(text.ToString(), "<([A-Z]+)> ", "$1   ").TrimEnd();
    }

    /// <summary>
    /// Writes the problem <see cref="Parse"/> reported for <paramref name="args"/>, System.CommandLine's suggestions for
    /// a misspelled option ("Did you mean …?"), and the help.
    /// </summary>
    public static void WriteError(FormatException problem, Command command, IReadOnlyList<string> args, TextWriter error)
    {
        error.WriteLine(problem.Message);
        string suggestions = Suggestions(command.Parse(args));
        if (suggestions.Length > 0)
        {
            error.WriteLine(suggestions);
        }

        error.WriteLine();
        error.WriteLine(Help(command));
    }

    /// <summary>The library's typo corrections for the unmatched tokens: the block its parse-error action writes before the errors.</summary>
    private static string Suggestions(ParseResult result)
    {
        if (result.UnmatchedTokens.Count == 0 || result.Action is not ParseErrorAction action)
        {
            return "";
        }

        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        var text = new StringWriter();
        result.Invoke(new InvocationConfiguration { Output = text, Error = text });

        // The action writes "'--epoch' was not matched. Did you mean one of the following?" and the candidates for each
        // unmatched token, then the errors. Keep the groups about option-like tokens (not stray values such as "3").
        var kept = new List<string>();
        bool keep = false;
        foreach (string line in text.ToString().ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.Length == 0)
            {
                break;
            }

            if (line.EndsWith(" was not matched. Did you mean one of the following?", StringComparison.Ordinal))
            {
                keep = line.StartsWith("'-", StringComparison.Ordinal);
            }

            if (keep)
            {
                kept.Add(line);
            }
        }

        return string.Join(Environment.NewLine, kept);
    }
}
