using System.Globalization;

namespace AutoGrad.Ops;

/// <summary>
/// The work one application of an op does at given input types: floating-point operations (a multiply-add counts two)
/// and bytes moved to and from memory (every input read once, the output written once, unless the op says otherwise).
/// Read by <c>Graph.Summary</c> and by anything that estimates run time; declared by the op, never guessed from its name.
/// </summary>
/// <param name="Flops">Floating-point operations.</param>
/// <param name="Bytes">Bytes read and written.</param>
public readonly record struct OpCost(long Flops, long Bytes)
{
    /// <summary>The sum of two costs.</summary>
    public static OpCost operator +(OpCost left, OpCost right) => new(left.Flops + right.Flops, left.Bytes + right.Bytes);

    /// <summary><c>flops=…, bytes=…</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"flops={Flops}, bytes={Bytes}");
}
