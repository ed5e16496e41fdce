using System.Globalization;
using AutoGrad.Tensors;

namespace AutoGrad.Graphs;

/// <summary>A graph input: a placeholder the caller supplies on every run.</summary>
/// <param name="Type">Its type; axes marked <c>B</c> take the batch size of the call.</param>
public sealed record GraphInput(TensorSpec Type);

/// <summary>
/// A tensor captured by reference and named by its layer path (<c>dense1.kernel</c>). The graph reads its current value on
/// every run, so optimizer updates are seen, and gradients can be taken with respect to it by name.
/// </summary>
/// <param name="Name">The layer path.</param>
/// <param name="Value">The live tensor.</param>
public sealed record GraphParameter(string Name, Tensor Value)
{
    /// <summary>The parameter's type (never batch dependent).</summary>
    public TensorSpec Type => TensorSpec.Of(Value.Type);
}

/// <summary>How a captured scalar constant depends on the symbolic sizes (a mean over the batch divides by B, one over the
/// batch and a named time axis by B·T).</summary>
public enum ConstantScaling
{
    /// <summary>The value is fixed.</summary>
    None,

    /// <summary>The value is <see cref="GraphConstant.Factor"/>·<see cref="GraphConstant.Unit"/> (e.g. 2·B).</summary>
    TimesBatch,

    /// <summary>The value is <see cref="GraphConstant.Factor"/>/<see cref="GraphConstant.Unit"/> (e.g. 1/B).</summary>
    PerBatch,
}

/// <summary>An unnamed captured tensor the graph treats as fixed (constant folding may evaluate nodes that read only constants).</summary>
public sealed class GraphConstant
{
    internal GraphConstant(Tensor value, ConstantScaling scaling = ConstantScaling.None, double factor = 0, Dim? unit = null)
    {
        Value = value;
        Scaling = scaling;
        Factor = factor;
        Unit = scaling == ConstantScaling.None ? Dim.Fixed(1) : unit ?? Dim.B;
    }

    /// <summary>The captured value (for a batch-dependent scalar, its value at the first traced batch size).</summary>
    public Tensor Value { get; }

    /// <summary>Whether and how the value depends on the batch size.</summary>
    public ConstantScaling Scaling { get; }

    /// <summary>The factor of the symbolic product (<see cref="Unit"/>) or of its inverse, for a size-dependent scalar.</summary>
    public double Factor { get; }

    /// <summary>The product of symbolic sizes the value follows (<c>B</c>, <c>B*T</c>), or 1 when fixed.</summary>
    public Dim Unit { get; }

    /// <summary>The constant's type.</summary>
    public TensorSpec Type => TensorSpec.Of(Value.Type);

    /// <summary>Whether the value changes with the batch size or a named size.</summary>
    public bool IsSymbolic => Scaling != ConstantScaling.None;

    /// <summary>The value at the given sizes (an <c>int</c> is a batch size).</summary>
    public Tensor Resolve(DimBindings sizes) => Scaling switch
    {
        ConstantScaling.None => Value,
        ConstantScaling.TimesBatch => Tensor.Full(Value.Shape, Factor * Unit.Resolve(sizes), Value.DType),
        _ => Tensor.Full(Value.Shape, Factor / Unit.Resolve(sizes), Value.DType),
    };

    /// <summary>The inline printed form of a small constant (<c>0.5</c>, <c>f32[2]{1,2}</c>, <c>1/B</c>), or null when it is too large to inline.</summary>
    internal string? InlineText(int maxElements = 4)
    {
        if (Scaling != ConstantScaling.None)
        {
            string factor = FormatNumber(Factor), unit = Unit.ToString();
            return Scaling == ConstantScaling.TimesBatch ? (Factor == 1 ? unit : factor + "*" + unit)
                : factor + "/" + (Unit.Symbols.Count > 1 ? "(" + unit + ")" : unit);
        }

        if (Value.Size > maxElements)
        {
            return null;
        }

        if (Value.Rank == 0)
        {
            return FormatNumber(Value.GetFlat(0));
        }

        var items = new string[Value.Size];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = FormatNumber(Value.GetFlat(i));
        }

        return $"{Value.Type}{{{string.Join(",", items)}}}";
    }

    private string FormatNumber(double value) =>
        Value.DType == DType.Float32 ? ((float)value).ToString("R", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
}
