using AutoGrad.Kernels;
using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>
    /// Positions start, start+step, … below stop along one axis (bounds already normalized and clamped).
    /// Gradient: <c>slice_grad</c>, which puts the incoming gradient back at those positions and zeros elsewhere.
    /// </summary>
    internal sealed class SliceOp(int axis, int start, int stop, int step) : Op
    {
        public override string Name => "slice";

        // Slicing another axis keeps the examples apart; slicing the examples' axis picks some of them.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a == Axis ? null : a);

        public int Axis { get; } = axis;

        public int Start { get; } = start;

        public int Stop { get; } = stop;

        public int Step { get; } = step;

        /// <summary>How many positions the slice keeps.</summary>
        public int Count => Stop <= Start ? 0 : ((Stop - Start - 1) / Step) + 1;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes =>
            [new("axis", Axis), new("start", Start), new("stop", Stop), new("step", Step)];

        /// <summary>Moves elements of any dtype (integers, bools) unchanged.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            Shape input = inputs[0].Shape;
            ShapeChecks.Axis(Name, Axis, input.Rank);
            if (Start < 0 || Stop > input[Axis] || Step <= 0)
            {
                throw new ArgumentException($"{Name}: range {Start}:{Stop}:{Step} does not fit axis {Axis} of size {input[Axis]} (shape {input}).");
            }

            return new TensorType(input.With(Axis, Count), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            Shape input = inputs[0].Shape;
            (int outer, int inner) = Layout.Blocks(input.Dimensions, Axis);
            Tensor x = inputs[0];
            switch (output.DType.ElementSize())
            {
                case 1: Layout.StridedSelect<byte>(x.Raw<byte>(), output.Raw<byte>(), outer, input[Axis], inner, Start, Step, Count); break;
                case 4: Layout.StridedSelect<int>(x.Raw<int>(), output.Raw<int>(), outer, input[Axis], inner, Start, Step, Count); break;
                default: Layout.StridedSelect<long>(x.Raw<long>(), output.Raw<long>(), outer, input[Axis], inner, Start, Step, Count); break;
            }
        }

        public override Tensor?[] Backward(GradientContext context) =>
            [new SliceGradOp(Axis, Start, Step, context.InputType(0).Shape[Axis]).Apply(context.OutputGrad)];

        /// <summary>Python slice bounds for a positive step: negatives count from the end, then both clamp to [0, extent].</summary>
        public static (int Start, int Stop) Normalize(int start, int stop, int extent)
        {
            static int Clamp(int i, int n) => Math.Clamp(i < 0 ? i + n : i, 0, n);
            return (Clamp(start, extent), Clamp(stop, extent));
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// The positions start, start+step, … below stop along <paramref name="axis"/>, like Python's <c>x[start:stop:step]</c>:
        /// negative bounds count from the end and out-of-range bounds are clamped, so an empty range gives an empty axis.
        /// </summary>
        /// <param name="axis">The sliced axis; negative counts from the end.</param>
        /// <param name="start">First position (inclusive).</param>
        /// <param name="stop">End position (exclusive); use <see cref="int.MaxValue"/> for "to the end".</param>
        /// <param name="step">Distance between kept positions; must be positive.</param>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range, or the step is not positive.</exception>
        public Tensor Slice(int axis, int start, int stop, int step = 1)
        {
            int a = ShapeChecks.Axis("slice", axis, Rank);
            if (step <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(step), step, $"slice: step must be positive, got {step} (axis {axis} of shape {Shape}).");
            }

            (int from, int to) = SliceOp.Normalize(start, stop, Shape[a]);
            if (from == 0 && to == Shape[a] && step == 1)
            {
                return this;
            }

            return new SliceOp(a, from, Math.Max(from, to), step).Apply(this);
        }
    }
}
