using AutoGrad.Examples.Mnist;

namespace AutoGrad.Tests.Examples;

public sealed class MnistArgumentsTests
{
    [Fact]
    public void Parse_NoArguments_GivesDefaults()
    {
        MnistArguments parsed = MnistArguments.Parse([]);

        Assert.Equal(new MnistArguments("mlp", null, null, null, 1, null, null, null, "out/mnist", false), parsed);
    }

    [Fact]
    public void Parse_EveryOption_SetsItsField()
    {
        MnistArguments parsed = MnistArguments.Parse(
            ["--model", "cnn", "--epochs", "3", "--batch-size=64", "--lr", "0.01", "--seed", "-7", "--train-limit", "500", "--test-limit", "100", "--data", "d", "--out", "o", "--help", "--execution", "eager"]);

        Assert.Equal(new MnistArguments("cnn", 3, 64, 0.01, -7, 500, 100, "d", "o", true, "eager"), parsed);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void Parse_SequenceModel_SelectsItsSpec(string name)
    {
        MnistArguments parsed = MnistArguments.Parse(["--model", name, "--execution", "jit"]);

        Assert.Equal(name, parsed.Model);
        Assert.Equal("jit", parsed.Execution);
        Assert.Equal(name, MnistModels.Get(parsed.Model).Name);
    }

    [Theory]
    [InlineData(new[] { "--model", "resnet" }, "Unknown model 'resnet'; choose one of tutorial, tanh-mse, mlp, cnn, lstm, transformer.")]
    [InlineData(new[] { "--epochs", "0" }, "Option --epochs needs a positive whole number, not '0'.")]
    [InlineData(new[] { "--epochs" }, "Option --epochs needs a value.")]
    [InlineData(new[] { "--lr", "fast" }, "Option --lr needs a positive number, not 'fast'.")]
    [InlineData(new[] { "--batch-size", "--seed", "2" }, "Option --batch-size needs a value.")]
    [InlineData(new[] { "--colour" }, "Unknown option '--colour'.")]
    [InlineData(new[] { "--execution", "fast" }, "Option --execution takes jit or eager, not 'fast'.")]
    public void Parse_BadOption_ThrowsSayingWhich(string[] args, string message)
    {
        var e = Assert.Throws<FormatException>(() => MnistArguments.Parse(args));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Usage_ListsEveryModelAndOption()
    {
        foreach (string expected in MnistModels.Names.Concat(["--epochs", "--batch-size", "--lr", "--seed", "--data", "--out", "--help"]))
        {
            Assert.Contains(expected, MnistArguments.Usage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_BadOption_PrintsUsageAndReturns2()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = MnistProgram.Run(["--epochs", "x"], output, error);

        Assert.Equal(2, code);
        Assert.StartsWith("Option --epochs needs a positive whole number, not 'x'.", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage:", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }
}
