using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// Group normalization, PyTorch's <c>GroupNorm</c>: the C channels of an input <c>[N, C, *]</c> are split into G
/// groups of C/G consecutive channels, and each sample's group is normalized with its own mean and biased variance,
/// y = (x − μ_{n,g})/√(σ²_{n,g} + ε)·γ_c + β_c, computed by reshaping to <c>[N, G, (C/G)·∏*]</c>. γ (ones) and β
/// (zeros) are per channel, <c>[C]</c>. The same in training and evaluation (no running statistics). G = 1 is layer
/// normalization over everything but the batch axis (with per-channel affine); G = C is instance normalization.
/// </summary>
public sealed class GroupNorm : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="numGroups">G, which must divide <paramref name="numChannels"/>.</param>
    /// <param name="numChannels">C, the size of axis 1.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="affine">Whether to learn γ and β per channel.</param>
    /// <param name="name">The layer name; <c>group_norm</c> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive, or G does not divide C.</exception>
    public GroupNorm(int numGroups, int numChannels, double epsilon = 1e-5, bool affine = true, string? name = null)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numGroups);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numChannels);
        if (numChannels % numGroups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numGroups), numGroups, $"GroupNorm: {numChannels} channels cannot be split into {numGroups} groups.");
        }

        NumGroups = numGroups;
        NumChannels = numChannels;
        Epsilon = epsilon;
        if (affine)
        {
            Gamma = Tensor.Ones([numChannels]).RequireGrad();
            Beta = Tensor.Zeros([numChannels]).RequireGrad();
        }
    }

    /// <summary>The number of groups G.</summary>
    public int NumGroups { get; }

    /// <summary>The number of channels C.</summary>
    public int NumChannels { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }

    /// <summary>The per-channel scale γ <c>[C]</c>, or null without affine parameters.</summary>
    public Tensor? Gamma { get; private set; }

    /// <summary>The per-channel shift β <c>[C]</c>, or null without affine parameters.</summary>
    public Tensor? Beta { get; private set; }

    /// <inheritdoc/>
    protected override string DefaultName => "group_norm";

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The input is not <c>[N, C, *]</c> with this layer's C, or its dtype differs from the parameters'.</exception>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank < 2 || input.Shape[1] != NumChannels)
        {
            throw new ArgumentException($"GroupNorm '{Name}': the input must be [N, {NumChannels}, *], got shape {input.Shape}.");
        }

        int[] shape = input.Shape.ToArray();
        Tensor grouped = input.Reshape(shape[0], NumGroups, -1);
        Tensor mean = grouped.Mean(2, keepDims: true);
        Tensor variance = grouped.Var(2, keepDims: true);
        Tensor y = ((grouped - mean) / (variance + Epsilon).Sqrt()).Reshape(shape);
        if (Gamma is null)
        {
            return y;
        }

        if (Gamma.DType != input.DType)
        {
            throw new ArgumentException($"GroupNorm '{Name}': input {input.Type} and parameters {Gamma.Type} differ in dtype; convert the layer with To(DType.{input.DType}).");
        }

        var broadcast = new int[input.Rank];
        Array.Fill(broadcast, 1);
        broadcast[1] = NumChannels;
        return (y * Gamma.Reshape(broadcast)) + Beta!.Reshape(broadcast);
    }
}
