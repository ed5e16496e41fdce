using AutoGrad.Kernels;
using AutoGrad.Ops.Shaping;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Shaping
{
    /// <summary>
    /// Joins tensors along an existing axis; every other axis must match. Gradient: each input receives the slice of
    /// the incoming gradient at its own offset.
    /// </summary>
    internal sealed class ConcatOp(int axis) : Op
    {
        public override string Name => "concat";

        // Joining along another axis keeps example j's pieces together; joining along the examples' axis mixes them.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output)
        {
            BatchDependence? rule = BatchDependence.Elementwise(inputs, inputTypes, output);
            return rule is { Axis: int a } && a != Axis && inputTypes[0].Shape.Rank == output.Shape.Rank ? rule : null;
        }

        public int Axis { get; } = axis;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("axis", Axis)];

        /// <summary>Moves elements of any dtype (integers, bools) unchanged.</summary>
        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            if (inputs.Length == 0)
            {
                throw new ArgumentException($"{Name}: needs at least one tensor.");
            }

            Shape first = inputs[0].Shape;
            if (first.Rank == 0)
            {
                throw new ArgumentException($"{Name}: cannot concatenate scalars (shape ()); use Stack to add an axis.");
            }

            ShapeChecks.Axis(Name, Axis, first.Rank);
            int total = 0;
            for (int i = 0; i < inputs.Length; i++)
            {
                ShapeChecks.SameDType(Name, inputs[0], inputs[i]);
                Shape s = inputs[i].Shape;
                bool fits = s.Rank == first.Rank;
                for (int d = 0; fits && d < s.Rank; d++)
                {
                    fits = d == Axis || s[d] == first[d];
                }

                if (!fits)
                {
                    throw new ArgumentException(
                        $"{Name}: tensor {i} has shape {s} but tensor 0 has shape {first}; along axis {Axis} sizes may differ, every other axis must match.");
                }

                total += s[Axis];
            }

            return new TensorType(first.With(Axis, total), inputs[0].DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            (int outer, int inner) = Layout.Blocks(output.Shape.Dimensions, Axis);
            int outRow = output.Shape[Axis] * inner;
            int offset = 0;
            foreach (Tensor input in inputs)
            {
                int row = input.Shape[Axis] * inner;
                for (int o = 0; o < outer; o++)
                {
                    input.CopyTo(o * row, output, (o * outRow) + offset, row);
                }

                offset += row;
            }
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            var grads = new Tensor?[context.InputCount];
            int offset = 0;
            for (int i = 0; i < grads.Length; i++)
            {
                int extent = context.InputType(i).Shape[Axis];
                if (context.NeedsGrad(i))
                {
                    grads[i] = context.OutputGrad.Slice(Axis, offset, offset + extent);
                }

                offset += extent;
            }

            return grads;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>Joins tensors along an existing axis; all other axes must have equal sizes, and dtypes must match.</summary>
        /// <exception cref="ArgumentException">The list is empty, or shapes differ off the axis (the message names both shapes and the axis).</exception>
        /// <exception cref="ArgumentOutOfRangeException">The axis is out of range.</exception>
        public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0)
        {
            ArgumentNullException.ThrowIfNull(tensors);
            if (tensors.Count == 0)
            {
                throw new ArgumentException("concat: needs at least one tensor.", nameof(tensors));
            }

            int a = ShapeChecks.Axis("concat", axis, tensors[0].Rank);
            return new ConcatOp(a).Apply(tensors.ToArray());
        }
    }
}
