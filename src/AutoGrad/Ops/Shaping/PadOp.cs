using AutoGrad.Kernels;
using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>
    /// Surrounds the tensor with a constant: along each axis, <c>before</c> positions ahead of the data and <c>after</c>
    /// behind it. Gradient: the incoming gradient sliced back to the original extent on every padded axis (the constant
    /// receives none).
    /// </summary>
    internal sealed class PadOp(int[] before, int[] after, double value) : Op
    {
        public override string Name => "pad";

        // Padding another axis keeps the examples apart; padding the examples' axis adds rows that belong to none.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => Before[a] == 0 && After[a] == 0 ? a : null);

        public int[] Before { get; } = before;

        public int[] After { get; } = after;

        public double Value { get; } = value;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
            [new("before", Before), new("after", After), new("value", Value)];

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape input = inputs[0].Shape;
            if (Before.Length != input.Rank)
            {
                throw new ArgumentException($"{Name}: got padding for {Before.Length} axes but the input has rank {input.Rank} (shape {input}); give one (before, after) pair per axis.");
            }

            var dims = new int[input.Rank];
            for (int i = 0; i < dims.Length; i++)
            {
                long padded = (long)input[i] + Before[i] + After[i];
                if (padded > Array.MaxLength)
                {
                    throw new ArgumentException(
                        $"{Name}: padding ({Before[i]}, {After[i]}) on axis {i} of shape {input} gives {padded} elements along it, more than an array can hold ({Array.MaxLength}).");
                }

                dims[i] = (int)padded;
            }

            return new TensorType(Shape.FromOwned(dims), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            if (output.DType == DType.Float32)
            {
                Layout.Pad<float>(inputs[0].AsSpan<float>(), inputs[0].Shape.Dimensions, output.Shape.Dimensions, Before, (float)Value, output.AsSpan<float>());
            }
            else
            {
                Layout.Pad<double>(inputs[0].AsSpan<double>(), inputs[0].Shape.Dimensions, output.Shape.Dimensions, Before, Value, output.AsSpan<double>());
            }
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            Tensor g = context.OutputGrad;
            Shape input = context.InputType(0).Shape;
            for (int axis = 0; axis < Before.Length; axis++)
            {
                g = g.Slice(axis, Before[axis], Before[axis] + input[axis]);
            }

            return [g];
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Pads every axis with a constant: <paramref name="padding"/>[d] = (Before, After) positions added ahead of and
        /// behind axis d. Give one pair per axis, e.g. <c>x.Pad([(0, 0), (0, 0), (1, 1), (1, 1)])</c> for NCHW images.
        /// </summary>
        /// <exception cref="ArgumentException">The number of pairs differs from the rank, or a padding is negative.</exception>
        public Tensor Pad((int Before, int After)[] padding, double value = 0) =>
            PaddingAmounts(padding) is { } amounts ? new PadOp(amounts.Before, amounts.After, value).Apply(this) : this;

        /// <summary>The (before, after) pairs of a Pad call as two arrays, checked against the rank; null when nothing is padded.</summary>
        private (int[] Before, int[] After)? PaddingAmounts((int Before, int After)[] padding)
        {
            ArgumentNullException.ThrowIfNull(padding);
            if (padding.Length != Rank)
            {
                throw new ArgumentException($"pad: got {padding.Length} (before, after) pairs for a tensor of rank {Rank} (shape {Shape}); give one pair per axis.", nameof(padding));
            }

            var before = new int[Rank];
            var after = new int[Rank];
            bool any = false;
            for (int i = 0; i < Rank; i++)
            {
                (before[i], after[i]) = padding[i];
                if (before[i] < 0 || after[i] < 0)
                {
                    throw new ArgumentException($"pad: padding ({before[i]}, {after[i]}) for axis {i} is negative; use Slice to remove elements.", nameof(padding));
                }

                any |= before[i] != 0 || after[i] != 0;
            }

            return any ? (before, after) : null;
        }
    }
}
