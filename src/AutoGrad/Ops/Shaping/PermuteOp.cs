using AutoGrad.Kernels;
using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>
    /// Reorders axes: output axis i is input axis <c>axes[i]</c>. The data is copied (tensors are always contiguous).
    /// Gradient: the incoming gradient permuted by the inverse permutation.
    /// </summary>
    internal sealed class PermuteOp(int[] axes) : Op
    {
        public override string Name => "permute";

        public override IReadOnlyList<int>? AxisPermutation => Axes;

        /// <summary>A copy in another axis order: no arithmetic.</summary>
        public override OpCost Cost(ReadOnlySpan<TensorType> inputs, TensorType output) => new(0, DefaultBytes(inputs, output));

        /// <summary>The permutation, normalized to non-negative axes.</summary>
        public int[] Axes { get; } = axes;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axes", Axes)];

        /// <summary>Moves elements of any dtype (integers, bools) unchanged.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape input = inputs[0].Shape;
            if (Axes.Length != input.Rank)
            {
                throw new ArgumentException($"{Name}: got {Axes.Length} axes ({string.Join(", ", Axes)}) for a tensor of rank {input.Rank} (shape {input}); give each axis exactly once.");
            }

            var dims = new int[Axes.Length];
            for (int i = 0; i < Axes.Length; i++)
            {
                dims[i] = input[Axes[i]];
            }

            return new TensorType(Shape.FromOwned(dims), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Tensor x = inputs[0];
            switch (output.DType.ElementSize())
            {
                case 1: Layout.Permute<byte>(x.Raw<byte>(), x.Shape.Dimensions, Axes, output.Raw<byte>()); break;
                case 4: Layout.Permute<int>(x.Raw<int>(), x.Shape.Dimensions, Axes, output.Raw<int>()); break;
                default: Layout.Permute<long>(x.Raw<long>(), x.Shape.Dimensions, Axes, output.Raw<long>()); break;
            }
        }

        public override Tensor?[] Backward(GradientContext context) => [context.OutputGrad.Permute(Inverse(Axes))];

        /// <summary>Normalizes negative axes and checks that every axis appears exactly once.</summary>
        public static int[] Normalize(int[] axes, int rank)
        {
            ArgumentNullException.ThrowIfNull(axes);
            if (axes.Length != rank)
            {
                throw new ArgumentException($"permute: got {axes.Length} axes ({string.Join(", ", axes)}) for a tensor of rank {rank}; give each axis exactly once.");
            }

            var normalized = new int[rank];
            var seen = new bool[rank];
            for (int i = 0; i < rank; i++)
            {
                normalized[i] = ShapeChecks.Axis("permute", axes[i], rank);
                if (seen[normalized[i]])
                {
                    throw new ArgumentException($"permute: axis {axes[i]} is given more than once in ({string.Join(", ", axes)}); give each of the {rank} axes exactly once.");
                }

                seen[normalized[i]] = true;
            }

            return normalized;
        }

        private static int[] Inverse(int[] axes)
        {
            var inverse = new int[axes.Length];
            for (int i = 0; i < axes.Length; i++)
            {
                inverse[axes[i]] = i;
            }

            return inverse;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Reorders the axes: axis i of the result is axis <paramref name="axes"/>[i] of this tensor (negative axes count from the end).</summary>
        /// <exception cref="ArgumentException">The axes are not a permutation of 0..rank−1.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range; the message names it and the rank.</exception>
        public Tensor Permute(params int[] axes)
        {
            int[] normalized = PermuteOp.Normalize(axes, Rank);
            bool identity = true;
            for (int i = 0; i < normalized.Length; i++)
            {
                identity &= normalized[i] == i;
            }

            return identity ? this : new PermuteOp(normalized).Apply(this);
        }

        /// <summary>Swaps two axes (a composition: <see cref="Permute"/>).</summary>
        /// <exception cref="ArgumentOutOfRangeException">An axis is out of range; the message names it and the rank.</exception>
        public Tensor Transpose(int axis0, int axis1)
        {
            int a = ShapeChecks.Axis("transpose", axis0, Rank), b = ShapeChecks.Axis("transpose", axis1, Rank);
            var axes = new int[Rank];
            for (int i = 0; i < Rank; i++)
            {
                axes[i] = i;
            }

            (axes[a], axes[b]) = (axes[b], axes[a]);
            return Permute(axes);
        }

        /// <summary>Swaps the last two axes (the matrix transpose, batched over leading axes).</summary>
        /// <exception cref="ArgumentException">The tensor has fewer than 2 axes.</exception>
        public Tensor Transpose()
        {
            ShapeChecks.MinRank("transpose", Shape, 2);
            return Transpose(-2, -1);
        }
    }
}
