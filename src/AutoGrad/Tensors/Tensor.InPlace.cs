using System.Numerics.Tensors;
using AutoGrad.Differentiation;

namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    // In-place writes are for optimizers, initializers and buffers. They bump the version counter, so a value that a
    // recorded op saved for its gradient and that is overwritten afterwards is reported at backward time.

    /// <summary>this += alpha · other (same shape and dtype).</summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public Tensor AddInPlace(Tensor other, double alpha = 1.0)
    {
        CheckInPlaceAllowed("AddInPlace");
        if (other.Shape != Shape || other.DType != DType)
        {
            throw new ArgumentException($"AddInPlace: {other.Type} does not match the destination {Type}.");
        }

        if (DType == DType.Float32)
        {
            var x = AsSpan<float>();
            TensorPrimitives.MultiplyAdd(other.AsSpan<float>(), (float)alpha, x, x);
        }
        else
        {
            var x = AsSpan<double>();
            TensorPrimitives.MultiplyAdd(other.AsSpan<double>(), alpha, x, x);
        }

        storage.Version++;
        return this;
    }

    /// <summary>this *= factor.</summary>
    public Tensor MulInPlace(double factor)
    {
        CheckInPlaceAllowed("MulInPlace");
        if (DType == DType.Float32)
        {
            TensorPrimitives.Multiply(AsSpan<float>(), (float)factor, AsSpan<float>());
        }
        else
        {
            TensorPrimitives.Multiply(AsSpan<double>(), factor, AsSpan<double>());
        }

        storage.Version++;
        return this;
    }

    /// <summary>Records an in-place write made through the storage (e.g. a data loader refilling a batch buffer).</summary>
    internal void MarkWritten() => storage.Version++;

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill(double value)
    {
        CheckInPlaceAllowed("Fill");
        FillUnchecked(value);
        storage.Version++;
        return this;
    }

    internal void FillUnchecked(double value)
    {
        switch (DType)
        {
            case DType.Float32:
                AsSpan<float>().Fill((float)value);
                break;
            case DType.Float64:
                AsSpan<double>().Fill(value);
                break;
            default:
                // Converted once as an element write converts it (truncation for integers, "not zero" for bool).
                if (Size > 0)
                {
                    SetFlat(0, value);
                    switch (DType)
                    {
                        case DType.Int64: AsSpan<long>().Fill(AsSpan<long>()[0]); break;
                        case DType.Int32: AsSpan<int>().Fill(AsSpan<int>()[0]); break;
                        case DType.Bool: AsSpan<bool>().Fill(AsSpan<bool>()[0]); break;
                        default: AsSpan<byte>().Fill(AsSpan<byte>()[0]); break;
                    }
                }

                break;
        }
    }

    private void CheckInPlaceAllowed(string method)
    {
        if (Ops.OpDispatcher.Observer is { IsAbstract: true })
        {
            // A raw write is not an op: the trace would not record it, so the compiled graph would silently skip it.
            throw new InvalidOperationException(
                $"{method}: raw in-place writes are not recorded by Graph.Trace, so the traced graph would never perform this one " +
                "(and traced values have no data to write). Write state with Tensor.Assign(value), which is an op.");
        }

        if (GradMode.IsEnabled && RequiresGrad)
        {
            throw new InvalidOperationException(
                $"{method}: a tensor that requires grad cannot be modified in place while gradients are recorded " +
                "(the change would not be differentiated). Wrap the update in `using (Autodiff.NoGrad())`.");
        }
    }
}
