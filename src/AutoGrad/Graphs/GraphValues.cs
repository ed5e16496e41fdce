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

/// <summary>How a captured scalar constant depends on the batch size (a mean over the batch divides by B).</summary>
public enum ConstantScaling
{
    /// <summary>The value is fixed.</summary>
    None,

    /// <summary>The value is <see cref="GraphConstant.Factor"/>·B.</summary>
    TimesBatch,

    /// <summary>The value is <see cref="GraphConstant.Factor"/>/B.</summary>
    PerBatch,
}

/// <summary>An unnamed captured tensor the graph treats as fixed (constant folding may evaluate nodes that read only constants).</summary>
public sealed class GraphConstant
{
    internal GraphConstant(Tensor value, ConstantScaling scaling = ConstantScaling.None, double factor = 0)
    {
        Value = value;
        Scaling = scaling;
        Factor = factor;
    }

    /// <summary>The captured value (for a batch-dependent scalar, its value at the first traced batch size).</summary>
    public Tensor Value { get; }

    /// <summary>Whether and how the value depends on the batch size.</summary>
    public ConstantScaling Scaling { get; }

    /// <summary>The factor of B or 1/B for a batch-dependent scalar.</summary>
    public double Factor { get; }

    /// <summary>The constant's type.</summary>
    public TensorSpec Type => TensorSpec.Of(Value.Type);

    /// <summary>Whether the value changes with the batch size.</summary>
    public bool IsSymbolic => Scaling != ConstantScaling.None;

    /// <summary>The value at a batch size.</summary>
    public Tensor Resolve(int batch) => Scaling switch
    {
        ConstantScaling.None => Value,
        ConstantScaling.TimesBatch => Tensor.Full(Value.Shape, Factor * batch, Value.DType),
        _ => Tensor.Full(Value.Shape, Factor / batch, Value.DType),
    };

    /// <summary>The inline printed form of a small constant (<c>0.5</c>, <c>f32[2]{1,2}</c>, <c>1/B</c>), or null when it is too large to inline.</summary>
    internal string? InlineText(int maxElements = 4)
    {
        if (Scaling != ConstantScaling.None)
        {
            string factor = FormatNumber(Factor);
            return Scaling == ConstantScaling.TimesBatch ? (Factor == 1 ? "B" : factor + "*B") : factor + "/B";
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
