using AutoGrad.Ops.Indexing;
using AutoGrad.Tensors;

namespace AutoGrad.Ops.Indexing
{
    /// <summary>Int64/Int32 class indices to one-hot rows along a new last axis, of a chosen dtype. No gradient (indices are discrete).</summary>
    internal sealed class OneHotOp(int classes, DType dtype) : Op
    {
        public override string Name => "one_hot";

        // Each index becomes its own one-hot row: the examples keep their axis.
        public override BatchDependence? BatchRule(ReadOnlySpan<BatchDependence> inputs, ReadOnlySpan<TensorType> inputTypes, TensorType output) =>
            BatchDependence.FromFirstInput(inputs, a => a);

        public int Classes { get; } = classes;

        public DType DType { get; } = dtype;

        public override IReadOnlyList<KeyValuePair<string, object>> Attributes => [new("dtype", DType), new("num_classes", Classes)];

        protected internal override bool AcceptsDType(int input, DType dtype) => true;

        public override bool IsDifferentiable => false;

        public override SavedValues Saves => SavedValues.None;

        public override TensorType InferType(ReadOnlySpan<TensorType> inputs)
        {
            IndexValues.CheckDType(Name, inputs[0]);
            return new(Shape.FromOwned([.. inputs[0].Shape.ToArray(), Classes]), DType);
        }

        public override void Forward(ReadOnlySpan<Tensor> inputs, Tensor output)
        {
            ReadOnlySpan<int> index = IndexValues.ReadClasses(Name, inputs[0], Classes);
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
        /// One-hot encoding of an Int64 or Int32 tensor of class indices in [0, numClasses): the result has a new last
        /// axis of size <paramref name="numClasses"/> holding 1 at the class and 0 elsewhere. No gradient. The result is
        /// float32 by default, ready to be a loss target (as Keras' <c>to_categorical</c>; PyTorch's <c>one_hot</c> gives int64).
        /// </summary>
        /// <param name="numClasses">The number of classes.</param>
        /// <param name="dtype">The result's dtype.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is not positive.</exception>
        /// <exception cref="ArgumentException">The indices are not Int64 or Int32 (the message says how to convert).</exception>
        /// <exception cref="IndexOutOfRangeException">A class index is outside [0, numClasses); the message names it.</exception>
        public Tensor OneHot(int numClasses, DType dtype = DType.Float32)
        {
            if (numClasses <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"one_hot: numClasses must be positive, got {numClasses}.");
            }

            return new OneHotOp(numClasses, dtype).Apply(this);
        }
    }
}
