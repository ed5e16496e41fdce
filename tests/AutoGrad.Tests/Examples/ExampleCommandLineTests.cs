using AutoGrad.Examples.Mnist;
using AutoGrad.Examples.Xor;

namespace AutoGrad.Tests.Examples;

/// <summary>The examples' command lines as System.CommandLine builds them: generated help, validation, suggestions.</summary>
public sealed class ExampleCommandLineTests
{
    [Fact]
    public void XorHelp_IsGeneratedWithEveryOptionItsPlaceholderAndDefault()
    {
        var output = new StringWriter();

        int code = XorProgram.Run(["--help"], output, TextWriter.Null);

        string help = output.ToString();
        Assert.Equal(0, code);
        Assert.Contains("Usage:", help, StringComparison.Ordinal);
        Assert.Contains("Run: dotnet run -c Release --project examples/Xor -- [options]", help, StringComparison.Ordinal);
        Assert.Matches(@"\n  --variant NAME +which tutorial to reproduce:", help);
        Assert.Matches(@"\n  --epochs N +passes over the four samples", help);
        Assert.Matches(@"\n  --lr X +learning rate", help);
        Assert.Matches(@"\n  --seed N +random seed of the initial weights \[default: 13\]", help);
        Assert.Matches(@"\n  -\?, -h, --help +Show help", help);
    }

    [Fact]
    public void MnistHelp_ListsEveryModelWithItsDescription()
    {
        var output = new StringWriter();

        int code = MnistProgram.Run(["-?"], output, TextWriter.Null);

        Assert.Equal(0, code);
        foreach (MnistModelSpec model in MnistModels.All)
        {
            Assert.Matches($@"\n +{model.Name} +{System.Text.RegularExpressions.Regex.Escape(model.Description)}", output.ToString());
        }

        Assert.Contains("[default: out/mnist]", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--epoch", "3" }, "Unknown option '--epoch'.", "--epochs")]
    [InlineData(new[] { "--variantt", "keras" }, "Unknown option '--variantt'.", "--variant")]
    [InlineData(new[] { "--sed", "4" }, "Unknown option '--sed'.", "--seed")]
    public void Xor_MisspelledOption_SaysWhichAndSuggestsTheRightOne(string[] args, string message, string suggestion)
    {
        var error = new StringWriter();

        int code = XorProgram.Run(args, TextWriter.Null, error);

        string[] lines = error.ToString().ReplaceLineEndings("\n").Split('\n');
        Assert.Equal(2, code);
        Assert.Equal(message, lines[0]);
        Assert.Equal($"'{args[0]}' was not matched. Did you mean one of the following?", lines[1]);
        Assert.Equal(suggestion, lines[2]);
        Assert.Equal("", lines[3]);
        Assert.Contains("Usage:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Mnist_MisspelledOption_SuggestsTheRightOneAndNotTheStrayValue()
    {
        var error = new StringWriter();

        int code = MnistProgram.Run(["--batchsize", "64"], TextWriter.Null, error);

        string[] lines = error.ToString().ReplaceLineEndings("\n").Split('\n');
        Assert.Equal(2, code);
        Assert.Equal(["Unknown option '--batchsize'.", "'--batchsize' was not matched. Did you mean one of the following?", "--batch-size", ""], lines[..4]);
    }

    [Theory]
    [InlineData(new[] { "--seed" }, "Option --seed needs a value.")]
    [InlineData(new[] { "--seed", "1.5" }, "Option --seed needs a whole number, not '1.5'.")]
    [InlineData(new[] { "--epochs", "-3" }, "Option --epochs needs a positive whole number, not '-3'.")]
    [InlineData(new[] { "--variant", "" }, "Option --variant needs a non-empty value.")]
    [InlineData(new[] { "stray" }, "Unknown option 'stray'.")]
    public void XorParse_InvalidValue_ThrowsNamingTheOption(string[] args, string message)
    {
        var e = Assert.Throws<FormatException>(() => XorArguments.Parse(args));

        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-?")]
    [InlineData("--lr=0.5", "--help")]
    public void XorParse_HelpAnywhere_SetsHelp(params string[] args)
    {
        Assert.True(XorArguments.Parse(args).Help);
    }

    [Fact]
    public void MnistParse_DataAndOutWithEquals_AreRead()
    {
        MnistArguments parsed = MnistArguments.Parse(["--data=/tmp/mnist", "--out=o", "--seed=-3"]);

        Assert.Equal(("/tmp/mnist", "o", -3L), (parsed.DataDirectory, parsed.OutputDirectory, parsed.Seed));
    }

    [Fact]
    public void XorParse_OptionGivenTwice_LastOneWins()
    {
        Assert.Equal(new XorArguments(XorVariant.Sigmoid, 2), XorArguments.Parse(["--epochs", "1", "--variant", "keras", "--epochs=2", "--variant", "3"]));
    }

    [Fact]
    public void XorParse_TwoValuesAfterOneOption_TheSecondIsUnknown()
    {
        var e = Assert.Throws<FormatException>(() => XorArguments.Parse(["--epochs", "1", "2"]));

        Assert.Equal("Unknown option '2'.", e.Message);
    }
}
