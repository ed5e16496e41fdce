using AutoGrad.Kernels;
using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>
    /// Reflect or replicate padding (PyTorch's <c>F.pad</c> modes <c>"reflect"</c> and <c>"replicate"</c>): every output
    /// element copies one input element chosen by <see cref="ModePad.SourceIndices"/>. Linear, so its gradient is its
    /// adjoint <c>pad_mode_grad</c> (a scatter-add through the same map), whose gradient is this op again.
    /// </summary>
    internal sealed class ModePadOp(int[] before, int[] after, PaddingMode mode) : Op
    {
        public override string Name => "pad_mode";

        public int[] Before { get; } = before;

        public int[] After { get; } = after;

        public PaddingMode Mode { get; } = mode;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
            [new("before", Before), new("after", After), new("mode", ModeName(Mode))];

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape input = inputs[0].Shape;
            Check(Name, input, Before, After, Mode);
            var dims = new int[input.Rank];
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = input[i] + Before[i] + After[i];
            }

            return new TensorType(Shape.FromOwned(dims), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            int[] map = ModePad.SourceIndices(inputs[0].Shape.Dimensions, Before, output.Shape.Dimensions, Mode == PaddingMode.Reflect);
            if (output.DType == DType.Float32)
            {
                ModePad.Gather<float>(inputs[0].AsSpan<float>(), map, output.AsSpan<float>());
            }
            else
            {
                ModePad.Gather<double>(inputs[0].AsSpan<double>(), map, output.AsSpan<double>());
            }
        }

        public override Tensor?[] Backward(GradientContext context) =>
            [new ModePadGradOp(Before, After, Mode).Apply(context.OutputGrad)];

        /// <summary>The printed (PyTorch) name of a mode.</summary>
        public static string ModeName(PaddingMode mode) => mode == PaddingMode.Reflect ? "reflect" : "replicate";

        /// <summary>Checks one (before, after) pair per axis against the input for the mode's rule.</summary>
        /// <exception cref="ArgumentException">The pairs do not match the rank, or a padding does not fit the axis; the message names the op, shape and axis.</exception>
        public static void Check(string op, Shape input, int[] before, int[] after, PaddingMode mode)
        {
            if (before.Length != input.Rank)
            {
                throw new ArgumentException($"{op}: got padding for {before.Length} axes but the input has rank {input.Rank} (shape {input}); give one (before, after) pair per axis.");
            }

            for (int i = 0; i < before.Length; i++)
            {
                if (before[i] == 0 && after[i] == 0)
                {
                    continue;
                }

                if (mode == PaddingMode.Reflect && (before[i] >= input[i] || after[i] >= input[i]))
                {
                    throw new ArgumentException(
                        $"{op}: reflect padding ({before[i]}, {after[i]}) on axis {i} must be smaller than the axis size {input[i]} (input shape {input}), as in PyTorch.");
                }

                if (mode == PaddingMode.Replicate && input[i] == 0)
                {
                    throw new ArgumentException($"{op}: replicate padding ({before[i]}, {after[i]}) on axis {i} needs a non-empty axis (input shape {input}).");
                }
            }
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Pads every axis with <paramref name="mode"/> (PyTorch's <c>F.pad</c> with mode <c>"constant"</c> (zeros),
        /// <c>"reflect"</c> or <c>"replicate"</c>; see <see cref="PaddingMode"/>): <paramref name="padding"/>[d] =
        /// (Before, After) positions added ahead of and behind axis d, one pair per axis. Reflect needs each padding to
        /// be smaller than its axis; replicate needs the padded axes to be non-empty.
        /// </summary>
        /// <exception cref="ArgumentException">The number of pairs differs from the rank, a padding is negative, or a padding does not fit the mode.</exception>
        public Tensor Pad((int Before, int After)[] padding, PaddingMode mode)
        {
            if (mode == PaddingMode.Zeros)
            {
                return Pad(padding, 0.0);
            }

            if (mode is not (PaddingMode.Reflect or PaddingMode.Replicate))
            {
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "pad: the mode must be Zeros, Reflect or Replicate.");
            }

            if (PaddingAmounts(padding) is not { } amounts)
            {
                return this;
            }

            ModePadOp.Check("pad_mode", Shape, amounts.Before, amounts.After, mode);
            return new ModePadOp(amounts.Before, amounts.After, mode).Apply(this);
        }
    }
}
