namespace AutoGrad.Examples.Xor;

/// <summary>The XOR example's main program, callable from tests with its own writers.</summary>
public static class XorProgram
{
    /// <summary>Parses the arguments and trains the chosen variant.</summary>
    /// <param name="args">The command line (see <see cref="XorArguments.Usage"/>).</param>
    /// <param name="output">Receives progress and the final table.</param>
    /// <param name="error">Receives usage errors.</param>
    /// <returns>0 when the network learned XOR, 1 when it did not, 2 for a bad command line.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        XorArguments arguments;
        try
        {
            arguments = XorArguments.Parse(args);
        }
        catch (FormatException e)
        {
            CommandLine.WriteError(e, XorArguments.Command, args, error);
            return 2;
        }
        if (arguments.Help)
        {
            output.WriteLine(XorArguments.Usage);
            return 0;
        }
        (int epochs, double rate) = XorVariants.Defaults(arguments.Variant);
        output.WriteLine($"XOR, variant {arguments.Variant.ToString().ToLowerInvariant()}: {arguments.Epochs ?? epochs} epochs, learning rate {arguments.LearningRate ?? rate}, seed {arguments.Seed}");
        output.WriteLine();
        return XorVariants.Run(arguments, output).LearnedXor ? 0 : 1;
    }
}
