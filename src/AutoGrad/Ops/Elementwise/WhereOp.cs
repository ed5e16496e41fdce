using System.Numerics;
using AutoGrad.Kernels;
using AutoGrad.Ops.Elementwise;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Elementwise
{
    /// <summary>
    /// where(condition, a, b): a where condition ≠ 0, else b, broadcasting all three together. Gradient: where(c, g, 0)
    /// to a and where(c, 0, g) to b — a select, not g·mask, so a NaN or ∞ gradient from the branch not taken stays out —
    /// and none to the condition.
    /// </summary>
    internal sealed class WhereOp : Op
    {
        public static readonly WhereOp Instance = new();

        public override string Name => "where";

        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.Elementwise(inputs, inputTypes, output);

        public override SavedValues Saves => SavedValues.Input0;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            DType dtype = ShapeChecks.SameDType(Name, inputs[1], inputs[2]);
            Shape values = ShapeChecks.Broadcast(Name, inputs[1].Shape, inputs[2].Shape);
            Shape shape;
            try
            {
                shape = ShapeChecks.Broadcast(Name, inputs[0].Shape, values);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException(
                    $"{Name}: condition shape {inputs[0].Shape} does not broadcast with the value shapes {inputs[1].Shape} and {inputs[2].Shape} " +
                    $"(which broadcast to {values}).");
            }

            return new TensorType(shape, dtype);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            // The condition may have any dtype (a mask from another computation); bring it to the values' dtype first.
            Tensor condition = inputs[0].To(output.DType);
            if (output.DType == DType.Float32)
            {
                Run<float>(condition, inputs[1], inputs[2], output);
            }
            else
            {
                Run<double>(condition, inputs[1], inputs[2], output);
            }
        }

        public override Tensor?[] Backward(GradientContext context)
        {
            var condition = context.Input(0);
            var g = context.OutputGrad;
            var zero = Tensor.Scalar(0.0, g.DType);
            return
            [
                null,
                context.NeedsGrad(1) ? Tensor.Where(condition, g, zero) : null,
                context.NeedsGrad(2) ? Tensor.Where(condition, zero, g) : null,
            ];
        }

        private static void Run<T>(Tensor condition, Tensor a, Tensor b, Tensor output)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            Shape shape = output.Shape;
            ReadOnlySpan<T> c = Expanded<T>(condition, shape);
            ReadOnlySpan<T> x = Expanded<T>(a, shape);
            ReadOnlySpan<T> y = Expanded<T>(b, shape);
            Select.Where(c, x, y, output.AsSpan<T>());
        }

        private static ReadOnlySpan<T> Expanded<T>(Tensor t, Shape shape)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            if (t.Shape == shape)
            {
                return t.AsSpan<T>();
            }

            var expanded = new T[shape.Size];
            Select.Expand<T>(t.AsSpan<T>(), t.Shape, expanded, shape);
            return expanded;
        }
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// Picks <paramref name="a"/> where <paramref name="condition"/> is non-zero and <paramref name="b"/> elsewhere,
        /// broadcasting all three (NumPy <c>where</c>). Gradients flow to a and b only where each was picked; the
        /// condition (of any dtype) gets none.
        /// </summary>
        /// <exception cref="ArgumentException">The shapes do not broadcast, or a and b differ in dtype.</exception>
        public static Tensor Where(Tensor condition, Tensor a, Tensor b) => WhereOp.Instance.Apply(condition, a, b);
    }
}
