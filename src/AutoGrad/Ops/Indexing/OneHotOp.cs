using AutoGrad.Ops.Indexing;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing
{
    /// <summary>Class indices to one-hot rows along a new last axis, in the indices' dtype. No gradient (indices are discrete).</summary>
    internal sealed class OneHotOp(int classes) : Op
    {
        public override string Name => "one_hot";

        // Each index becomes its own one-hot row: the examples keep their axis.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a);

        public int Classes { get; } = classes;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("num_classes", Classes)];

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs) =>
            new(Shape.FromOwned([.. inputs[0].Shape.ToArray(), Classes]), inputs[0].DType);

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            int[] index = IndexValues.Read(Name, inputs[0], Classes, $"{Classes} classes");
            for (int i = 0; i < index.Length; i++)
            {
                output.SetFlat((i * Classes) + index[i], 1.0);
            }
        }

        public override Tensor?[] Backward(GradientContext context) => throw new InvalidOperationException($"{Name} has no gradient.");
    }
}

namespace AutoGrad.Tensors
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// One-hot encoding of a tensor of class indices (whole numbers in [0, numClasses)): the result has a new last
        /// axis of size <paramref name="numClasses"/> holding 1 at the class and 0 elsewhere, in this tensor's dtype. No gradient.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is not positive.</exception>
        /// <exception cref="IndexOutOfRangeException">A class index is outside [0, numClasses); the message names it.</exception>
        public Tensor OneHot(int numClasses)
        {
            if (numClasses <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"one_hot: numClasses must be positive, got {numClasses}.");
            }

            return new OneHotOp(numClasses).Apply(this);
        }
    }
}
