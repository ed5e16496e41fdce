using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// Batch normalization over every axis but axis 1 (features of <c>[N, C]</c>, channels of <c>[N, C, H, W]</c>):
/// y = γ·(x − μ)/√(σ² + ε) + β. Training mode uses the batch's mean and biased variance and updates the running
/// statistics (running = (1 − momentum)·running + momentum·batch, with the unbiased variance, as PyTorch does);
/// evaluation mode uses the running statistics. The channel count is inferred on first call.
/// </summary>
public sealed class BatchNorm : Layer, ILazilyBuilt
{
    /// <summary>Creates the layer.</summary>
    /// <param name="momentum">Weight of the newest batch in the running statistics.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="name">The layer name; <c>batch_norm</c> when null.</param>
    public BatchNorm(double momentum = 0.1, double epsilon = 1e-5, string? name = null)
        : base(name)
    {
        Momentum = momentum;
        Epsilon = epsilon;
    }

    /// <summary>Weight of the newest batch in the running statistics.</summary>
    public double Momentum { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    bool ILazilyBuilt.IsBuilt => Gamma is not null;

    /// <summary>The scale γ <c>[C]</c> (ones initially); null until built.</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The shift β <c>[C]</c> (zeros initially); null until built.</summary>
    public Tensor? Beta { get; private set; }

    /// <summary>The running mean <c>[C]</c>.</summary>
    [Buffer]
    public Tensor? RunningMean { get; private set; }

    /// <summary>The running (unbiased) variance <c>[C]</c>.</summary>
    [Buffer]
    public Tensor? RunningVar { get; private set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 2)
        {
            throw new ArgumentException($"BatchNorm '{Name}': the input needs a batch axis and a channel axis (axis 1), got shape {input.Shape}.");
        }

        int channels = input.Shape[1];
        if (Gamma is null)
        {
            Gamma = Tensor.Ones([channels], input.DType).RequireGrad();
            Beta = Tensor.Zeros([channels], input.DType).RequireGrad();
            // State, not constants: a traced graph reads and writes them at run time (see Tensor.isState).
            RunningMean = Tensor.Zeros([channels], input.DType);
            RunningMean.isState = true;
            RunningVar = Tensor.Ones([channels], input.DType);
            RunningVar.isState = true;
            MarkBuilt();
        }
        else if (Gamma.Shape[0] != channels)
        {
            throw new ArgumentException($"BatchNorm '{Name}': the input has {channels} channels on axis 1 (shape {input.Shape}) but the layer was built for {Gamma.Shape[0]}.");
        }

        // One implementation: the tensor op updates the running statistics with assign ops when training.
        return input.BatchNorm(RunningMean, RunningVar, Gamma, Beta, Training, Momentum, Epsilon);
    }
}

/// <summary>
/// Layer normalization over the last <c>normalizedShape.Length</c> axes: y = γ·(x − μ)/√(σ² + ε) + β with the mean
/// and biased variance of each sample; γ and β have shape <c>normalizedShape</c>.
/// </summary>
public sealed class LayerNorm : Layer
{
    private readonly int[] normalizedShape;

    /// <summary>Normalizes over the last axis of the given size.</summary>
    public LayerNorm(int size, double epsilon = 1e-5, bool elementwiseAffine = true, string? name = null)
        : this([size], epsilon, elementwiseAffine, name)
    {
    }

    /// <summary>Normalizes over the trailing axes of the given shape.</summary>
    public LayerNorm(int[] normalizedShape, double epsilon = 1e-5, bool elementwiseAffine = true, string? name = null)
        : base(name)
    {
        this.normalizedShape = (int[])normalizedShape.Clone();
        Epsilon = epsilon;
        if (elementwiseAffine)
        {
            Gamma = Tensor.Ones(normalizedShape).RequireGrad();
            Beta = Tensor.Zeros(normalizedShape).RequireGrad();
        }
    }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>The scale γ, or null without affine parameters.</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The shift β, or null without affine parameters.</summary>
    public Tensor? Beta { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "layer_norm";

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        int n = normalizedShape.Length;
        bool fits = input.Rank >= n;
        for (int i = 0; fits && i < n; i++)
        {
            fits = input.Shape[input.Rank - n + i] == normalizedShape[i];
        }

        if (!fits)
        {
            throw new ArgumentException(
                $"LayerNorm '{Name}': the trailing axes of the input {input.Shape} must be {new Shape(normalizedShape)}.");
        }

        if (Gamma is not null && Gamma.DType != input.DType)
        {
            throw new ArgumentException($"LayerNorm '{Name}': input {input.Type} and parameters {Gamma.Type} differ in dtype; convert the layer with To(DType.{input.DType}).");
        }

        return input.LayerNorm(normalizedShape, Gamma, Beta, Epsilon);
    }
}
