using AutoGrad.Examples.Xor;

namespace AutoGrad.Tests.Examples;

public sealed class XorExampleTests
{
    [Theory]
    [InlineData(XorVariant.Tanh)]
    [InlineData(XorVariant.Keras)]
    [InlineData(XorVariant.Sigmoid)]
    public void Run_DefaultSeed_LearnsXor(XorVariant variant)
    {
        var output = new StringWriter();

        XorResult result = XorVariants.Run(new XorArguments(variant), output);

        Assert.Equal([0, 1, 1, 0], result.Classes);
        Assert.True(result.FinalLoss < 0.05, $"final loss {result.FinalLoss}");
        Assert.Contains("All four right: the network learned XOR.", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TanhVariant_PrintsTutorialEpochLinesAndTable()
    {
        var output = new StringWriter();

        int code = XorProgram.Run([], output, TextWriter.Null);

        string[] lines = output.ToString().ReplaceLineEndings("\n").Split('\n');
        Assert.Equal(0, code);
        Assert.Equal("XOR, variant tanh: 1000 epochs, learning rate 0.1, seed 13", lines[0]);
        Assert.Equal(11, lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.Matches(@"^epoch 1/1000   error=0\.\d{6}$", lines[2]);
        Assert.Matches(@"^epoch 1000/1000   error=0\.000\d{3}$", lines[12]);
        Assert.Matches(@"^\[0\.0\d{4}, 0\.9\d{4}, 0\.9\d{4}, -?0\.0\d{4}\]$", lines[14]);
        Assert.Equal("input  target  prediction  class", lines[16]);
        Assert.Matches(@"^1 1         0 +-?0\.0\d{3}      0$", lines[20]);
    }

    [Fact]
    public void Run_SameSeedTwice_GivesIdenticalPredictions()
    {
        XorResult first = XorVariants.Run(new XorArguments(XorVariant.Keras, Epochs: 20), TextWriter.Null);
        XorResult second = XorVariants.Run(new XorArguments(XorVariant.Keras, Epochs: 20), TextWriter.Null);

        Assert.Equal(first.Predictions, second.Predictions);
    }

    [Theory]
    [InlineData(new[] { "--variant", "2", "--epochs=50", "--lr", "0.5", "--seed", "3" }, XorVariant.Keras, 50, 0.5, 3L)]
    [InlineData(new[] { "--variant", "SIGMOID" }, XorVariant.Sigmoid, null, null, XorArguments.DefaultSeed)]
    public void Parse_Options_SetFields(string[] args, XorVariant variant, int? epochs, double? rate, long seed)
    {
        Assert.Equal(new XorArguments(variant, epochs, rate, seed), XorArguments.Parse(args));
    }

    [Theory]
    [InlineData(new[] { "--variant", "4" }, "Unknown variant '4'; choose tanh (1), keras (2) or sigmoid (3).")]
    [InlineData(new[] { "--lr", "-1" }, "Option --lr needs a positive number, not '-1'.")]
    [InlineData(new[] { "--model", "x" }, "Unknown option '--model'.")]
    public void Run_BadOption_Returns2WithMessageAndUsage(string[] args, string message)
    {
        var error = new StringWriter();

        int code = XorProgram.Run(args, TextWriter.Null, error);

        Assert.Equal(2, code);
        Assert.StartsWith(message, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--variant NAME", error.ToString(), StringComparison.Ordinal);
    }
}
