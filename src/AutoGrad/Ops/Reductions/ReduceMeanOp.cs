using AutoGrad.Kernels;
using AutoGrad.Ops.Reductions;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Reductions
{
    /// <summary>
    /// reduce_mean[axes, keep_dims, correction]: the sum over the axes divided by N − correction, N the number of
    /// elements each output reduces, read from the input's shape when the op runs. Variances with a correction (the
    /// unbiased variance) use it, so the divisor follows the batch size in a graph traced with a symbolic batch, where a
    /// captured 1/(N − 1) would be wrong at every other batch size. Gradient: g/(N − correction) broadcast back.
    /// </summary>
    internal sealed class ReduceMeanOp(int[] axes, bool keepDims, int correction) : ReductionOp(axes, keepDims)
    {
        public override string Name => "reduce_mean";

        // With a correction the divisor is N − c, not proportional to the batch: not a weighted mean of the parts.
        internal override BatchRole? LinearOverBatch => Correction == 0 ? BatchRole.MeanOverBatch : null;

        public int Correction { get; } = correction;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [.. base.Attributes, new("correction", Correction)];

        public override SavedValues Saves => SavedValues.None;

        internal override ReduceKind Kind => ReduceKind.Sum;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            TensorType type = base.InferType(inputs);
            int count = Count(inputs[0].Shape);
            if (count - Correction <= 0)
            {
                throw new ArgumentException(
                    $"{Name}: correction {Correction} leaves no degrees of freedom: axes ({string.Join(", ", Axes)}) of shape {inputs[0].Shape} " +
                    $"reduce {count} element(s) each, and the denominator N − correction must be positive.");
            }

            return type;
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            base.Forward(inputs, output);
            double scale = 1.0 / (Count(inputs[0].Shape) - Correction);
            if (output.DType == DType.Float32)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(output.AsSpan<float>(), (float)scale, output.AsSpan<float>());
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(output.AsSpan<double>(), scale, output.AsSpan<double>());
            }
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            Shape input = context.InputType(0).Shape;
            Tensor g = GradientWithKeptDims(context).Div(Count(input) - Correction);
            return [g.BroadcastTo(input)];
        }

        private int Count(Shape input)
        {
            int count = 1;
            foreach (int axis in Axes)
            {
                count *= input[axis];
            }

            return count;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>The sum over <paramref name="axes"/> divided by N − <paramref name="correction"/> (N the count each output reduces), as one op.</summary>
        internal Tensor MeanWithCorrection(int[] axes, bool keepDims, int correction) => new ReduceMeanOp(axes, keepDims, correction).Apply(this);
    }
}
