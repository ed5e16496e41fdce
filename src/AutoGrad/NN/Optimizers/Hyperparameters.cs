using System.Globalization;

namespace AutoGrad.NN.Optimizers;

/// <summary>Range checks for optimizer hyperparameters, so a bad value fails at construction rather than as NaN weights later.</summary>
internal static class Hyperparameters
{
    /// <summary>Returns <paramref name="value"/> if it is a finite number ≥ 0.</summary>
    public static double NonNegative(string owner, string name, double value) =>
        double.IsFinite(value) && value >= 0 ? value : throw OutOfRange(owner, name, value, "[0, ∞) (a finite number ≥ 0)");

    /// <summary>Returns <paramref name="value"/> if it is a finite number &gt; 0.</summary>
    public static double Positive(string owner, string name, double value) =>
        double.IsFinite(value) && value > 0 ? value : throw OutOfRange(owner, name, value, "(0, ∞) (a finite number > 0)");

    /// <summary>Returns <paramref name="value"/> if it is in [0, 1).</summary>
    public static double UnitOpen(string owner, string name, double value) =>
        value is >= 0 and < 1 ? value : throw OutOfRange(owner, name, value, "[0, 1)");

    /// <summary>Returns <paramref name="value"/> if it is in [0, 1].</summary>
    public static double Unit(string owner, string name, double value) =>
        value is >= 0 and <= 1 ? value : throw OutOfRange(owner, name, value, "[0, 1]");

    private static ArgumentOutOfRangeException OutOfRange(string owner, string name, double value, string range) =>
        new(name, value, $"{owner}: {name} must be in {range}; got {value.ToString(CultureInfo.InvariantCulture)}.");
}
