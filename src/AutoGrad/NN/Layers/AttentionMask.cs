using AutoGrad.Tensors;

namespace AutoGrad.NN.Layers;

/// <summary>
/// Attention masks as tensor ops: normalizing the accepted mask shapes to one rank-4 bool tensor, and the masked softmax
/// that gives masked keys exactly zero weight (and a row with no allowed key all-zero weights, never NaN).
/// </summary>
internal static class AttentionMask
{
    /// <summary>
    /// Combines the masks into one bool tensor (true = may attend) that broadcasts to <c>[B, h, Tq, Tk]</c>, or null
    /// when there is none. A bool mask is used as is; a numeric 0/1 mask still works: any non-zero value means "may attend".
    /// </summary>
    /// <exception cref="ArgumentException">A mask has a rank or axis that does not broadcast; the message names it and the expected shape.</exception>
    public static Tensor? Combine(string layer, int batch, int tq, int tk, Tensor? mask, Tensor? keyPaddingMask, bool causal)
    {
        Tensor? allowed = null;
        if (mask is not null)
        {
            int[] shape = mask.Rank switch
            {
                2 => [1, 1, mask.Shape[0], mask.Shape[1]],
                3 => [mask.Shape[0], 1, mask.Shape[1], mask.Shape[2]],
                4 => mask.Shape.ToArray(),
                _ => throw new ArgumentException(
                    $"{layer}: the mask must be [Tq, Tk], [B, Tq, Tk] or [B, heads, Tq, Tk] (rank 2 to 4), got shape {mask.Shape}.", nameof(mask)),
            };
            Check(layer, "mask", mask.Shape, shape, [batch, -1, tq, tk]);
            allowed = Allowed(mask).Reshape(shape);
        }

        if (keyPaddingMask is not null)
        {
            if (keyPaddingMask.Rank != 2)
            {
                throw new ArgumentException($"{layer}: the key padding mask must be [B, Tk] = [{batch}, {tk}], got shape {keyPaddingMask.Shape}.", nameof(keyPaddingMask));
            }

            int[] shape = [keyPaddingMask.Shape[0], 1, 1, keyPaddingMask.Shape[1]];
            Check(layer, "key padding mask", keyPaddingMask.Shape, shape, [batch, -1, 1, tk]);
            allowed = And(allowed, Allowed(keyPaddingMask).Reshape(shape));
        }

        if (causal)
        {
            allowed = And(allowed, CausalMask(tq, tk));
        }

        return allowed;
    }

    /// <summary>
    /// softmax(scores) over the last axis with the keys where <paramref name="allowed"/> is false excluded. Excluded
    /// scores become −∞ through <c>where</c> (so exp gives exactly 0 and the gradient there is exactly 0). A row with
    /// no allowed key would be softmax of all −∞ = NaN, so its scores become 0 instead and its weights are then
    /// zeroed by the final <c>where</c>, which also pins every excluded weight to exactly 0.
    /// </summary>
    public static Tensor Softmax(Tensor scores, Tensor? allowed)
    {
        if (allowed is null)
        {
            return scores.Softmax(-1);
        }

        Tensor anyAllowed = allowed.Max(allowed.Rank - 1, keepDims: true);                 // [.., Tq, 1]
        Tensor fill = Tensor.Where(anyAllowed, Tensor.Scalar(double.NegativeInfinity, scores.DType), Tensor.Scalar(0.0, scores.DType));
        Tensor weights = Tensor.Where(allowed, scores, fill).Softmax(-1);
        return Tensor.Where(allowed, weights, Tensor.Scalar(0.0, scores.DType));
    }

    /// <summary>The causal mask <c>[1, 1, Tq, Tk]</c>: true where key j ≤ query i (top-left aligned, as PyTorch's <c>is_causal</c> and Keras' <c>use_causal_mask</c>).</summary>
    public static Tensor CausalMask(int tq, int tk)
    {
        var values = new bool[tq * tk];
        for (int i = 0; i < tq; i++)
        {
            for (int j = 0; j <= i && j < tk; j++)
            {
                values[(i * tk) + j] = true;
            }
        }

        return Tensor.FromArray(values, 1, 1, tq, tk);
    }

    // bool * bool is a logical and (PyTorch's promotion keeps bool).
    private static Tensor And(Tensor? a, Tensor b) => a is null ? b : a * b;

    /// <summary>A bool mask as is; a numeric mask (the older 0/1 form, any dtype) as "not zero".</summary>
    private static Tensor Allowed(Tensor mask) => mask.DType == DType.Bool ? mask : mask.NotEqual(0.0);

    /// <summary>Each axis of the normalized shape must be 1 or the expected size (−1: any).</summary>
    private static void Check(string layer, string role, Shape given, int[] shape, int[] expected)
    {
        for (int i = 0; i < 4; i++)
        {
            if (shape[i] != 1 && expected[i] >= 0 && shape[i] != expected[i])
            {
                throw new ArgumentException(
                    $"{layer}: the {role} of shape {given} does not broadcast to the attention weights [B, heads, Tq, Tk] = [{expected[0]}, heads, {expected[2]}, {expected[3]}].", role);
            }
        }
    }
}
