using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoGrad.Kernels;

/// <summary>
/// In-place parameter updates of the eager optimizers, one fused pass over the spans: each element of the parameter,
/// gradient and state is read and written once instead of once per arithmetic step. No derivative is involved;
/// the formulas are those documented on the optimizers. These are the kernels of the optimizer update ops
/// (<c>Ops/Optimizers</c>), which eager <c>Optimizer.Step()</c> and compiled training steps both run.
/// </summary>
/// <remarks>
/// The vector body and the scalar tail evaluate the same expression in the same order, so an element's result does
/// not depend on whether it fell in the body or the tail (tested at every length 0…260 against the scalar formula).
/// Each kernel is compiled on its own (<c>NoInlining</c>): the JIT's profile-guided inlining put Adam inside its op's
/// <c>Update</c> in some processes and not in others, and inlined it ran slower — 1,468 against 1,244 perf samples
/// over the same 40 MNIST epochs at batch 256 (2026-11-30), 5–6 ms of a 190 ms epoch.
/// </remarks>
internal static class OptimizerUpdates
{
    /// <summary>
    /// Adam: d = g + l2·p; m ← β₁m + (1 − β₁)d; v ← β₂v + (1 − β₂)d²; p ← p·shrink − lr·(m/c₁)/(√(v/c₂) + ε),
    /// with c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ (shrink = 1 − η·λ for AdamW, else 1).
    /// </summary>
    /// <remarks>
    /// Evaluated as PyTorch does, p·shrink − (lr/c₁)·m/(√v·(1/√c₂) + ε): the corrections fold into two scalars, leaving
    /// one square root and one division per element (those two instructions bound the loop's speed).
    /// The moments are flushed to zero once they fall below the smallest normal number: a weight whose gradient stays 0
    /// (an MNIST border pixel) has m decay by β₁ per step into subnormal range within ~800 steps, where every multiply
    /// takes a slow microcode assist — measured as most of a training step. Its update then is below 1e-30 either way.
    /// With AMSGrad (<paramref name="maxV"/> not empty) the denominator uses u ← max(u, v) instead of v, as PyTorch's
    /// <c>amsgrad=True</c> does (the maximum of the uncorrected second moments).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Adam<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v,
        T beta1, T beta2, T correction1, T correction2, T learningRate, T epsilon, T l2, T shrink, Span<T> maxV = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = CheckLengths(p.Length, g.Length, m.Length, v.Length);
        bool amsgrad = !maxV.IsEmpty;
        if (amsgrad)
        {
            CheckLengths(p.Length, maxV.Length, p.Length, p.Length);
        }

        T one = T.One;
        T stepSize = learningRate / correction1;
        T inverseRootCorrection2 = one / T.Sqrt(correction2);
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && length >= Vector<T>.Count)
        {
            ref T rp = ref MemoryMarshal.GetReference(p);
            ref T rg = ref MemoryMarshal.GetReference(g);
            ref T rm = ref MemoryMarshal.GetReference(m);
            ref T rv = ref MemoryMarshal.GetReference(v);
            ref T ru = ref MemoryMarshal.GetReference(maxV);
            Vector<T> vb1 = new(beta1), vb2 = new(beta2), vstep = new(stepSize), vinv = new(inverseRootCorrection2);
            Vector<T> va1 = new(one - beta1), va2 = new(one - beta2), veps = new(epsilon);
            Vector<T> vl2 = new(l2), vshrink = new(shrink), vtiny = new(Subnormals.SmallestNormal<T>());
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> pi = LoadAt(ref rp, i);
                Vector<T> d = LoadAt(ref rg, i) + (vl2 * pi);
                Vector<T> mi = Subnormals.Flush((vb1 * LoadAt(ref rm, i)) + (va1 * d), vtiny);
                Vector<T> vi = Subnormals.Flush((vb2 * LoadAt(ref rv, i)) + (va2 * d * d), vtiny);
                StoreAt(mi, ref rm, i);
                StoreAt(vi, ref rv, i);
                if (amsgrad)
                {
                    vi = Vector.Max(LoadAt(ref ru, i), vi);
                    StoreAt(vi, ref ru, i);
                }

                StoreAt((pi * vshrink) - (vstep * mi / ((Vector.SquareRoot(vi) * vinv) + veps)), ref rp, i);
            }
        }

        for (; i < length; i++)
        {
            T d = g[i] + (l2 * p[i]);
            UpdateMoments(ref m[i], ref v[i], d, beta1, beta2);
            T second = v[i];
            if (amsgrad)
            {
                maxV[i] = T.Max(maxV[i], second);
                second = maxV[i];
            }

            p[i] = (p[i] * shrink) - (stepSize * m[i] / ((T.Sqrt(second) * inverseRootCorrection2) + epsilon));
        }
    }

    /// <summary>
    /// SGD: d = g + λ·p; with momentum (<paramref name="buffer"/> not empty) b ← d on the first step, else
    /// b ← μ·b + keep·d, then d ← d + μ·b (Nesterov) or d ← b; finally p ← p − lr·d.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Sgd<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> buffer, T learningRate, T weightDecay, T momentum,
        T keep, bool firstStep, bool nesterov)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool withMomentum = !buffer.IsEmpty;
        int length = withMomentum ? CheckLengths(p.Length, g.Length, buffer.Length, p.Length) : CheckLengths(p.Length, g.Length, p.Length, p.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && length >= Vector<T>.Count)
        {
            ref T rp = ref MemoryMarshal.GetReference(p);
            ref T rg = ref MemoryMarshal.GetReference(g);
            ref T rb = ref MemoryMarshal.GetReference(buffer);
            Vector<T> vlr = new(learningRate), vwd = new(weightDecay), vmu = new(momentum), vkeep = new(keep);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> pi = LoadAt(ref rp, i);
                Vector<T> d = LoadAt(ref rg, i) + (vwd * pi);
                if (withMomentum)
                {
                    Vector<T> bi = firstStep ? d : (vmu * LoadAt(ref rb, i)) + (vkeep * d);
                    StoreAt(bi, ref rb, i);
                    d = nesterov ? d + (vmu * bi) : bi;
                }

                StoreAt(pi - (vlr * d), ref rp, i);
            }
        }

        for (; i < length; i++)
        {
            T d = g[i] + (weightDecay * p[i]);
            if (withMomentum)
            {
                buffer[i] = firstStep ? d : (momentum * buffer[i]) + (keep * d);
                d = nesterov ? d + (momentum * buffer[i]) : buffer[i];
            }

            p[i] -= learningRate * d;
        }
    }

    /// <summary>
    /// RMSprop: d = g + λ·p; v ← αv + (1 − α)d²; centered (<paramref name="gradAvg"/> not empty): a ← αa + (1 − α)d,
    /// s = d/(√(v − a²) + ε), else s = d/(√v + ε); with momentum (<paramref name="buffer"/> not empty) b ← μb + s, s ← b;
    /// finally p ← p − lr·s.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RmsProp<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> v, Span<T> buffer, T learningRate, T alpha, T epsilon,
        T momentum, T weightDecay, Span<T> gradAvg = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool withMomentum = !buffer.IsEmpty;
        bool centered = !gradAvg.IsEmpty;
        int length = CheckLengths(p.Length, g.Length, v.Length, withMomentum ? buffer.Length : p.Length);
        if (centered)
        {
            CheckLengths(p.Length, gradAvg.Length, p.Length, p.Length);
        }

        for (int i = 0; i < length; i++)
        {
            T d = g[i] + (weightDecay * p[i]);
            v[i] = (alpha * v[i]) + ((T.One - alpha) * d * d);
            T second = v[i];
            if (centered)
            {
                gradAvg[i] = (alpha * gradAvg[i]) + ((T.One - alpha) * d);
                second -= gradAvg[i] * gradAvg[i];
            }

            T scaled = d / (T.Sqrt(second) + epsilon);
            if (withMomentum)
            {
                buffer[i] = (momentum * buffer[i]) + scaled;
                scaled = buffer[i];
            }

            p[i] -= learningRate * scaled;
        }
    }

    /// <summary>
    /// NAdam: d = g + l2·p; m ← β₁m + (1 − β₁)d; v ← β₂v + (1 − β₂)d²; s = √(v/c₂) + ε;
    /// p ← p·shrink − gradientStep·d/s − momentumStep·m/s, with c₂ = 1 − β₂ᵗ and the two step sizes
    /// −η(1 − μₜ)/(1 − Πμ) and −ημₜ₊₁/(1 − Πμ·μₜ₊₁) computed by the op (as PyTorch's two <c>addcdiv_</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void NAdam<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v,
        T beta1, T beta2, T correction2, T gradientStep, T momentumStep, T epsilon, T l2, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = CheckLengths(p.Length, g.Length, m.Length, v.Length);
        for (int i = 0; i < length; i++)
        {
            T d = g[i] + (l2 * p[i]);
            UpdateMoments(ref m[i], ref v[i], d, beta1, beta2);
            T denominator = T.Sqrt(v[i] / correction2) + epsilon;
            T kept = p[i] * shrink;
            kept -= gradientStep * d / denominator;
            p[i] = kept - (momentumStep * m[i] / denominator);
        }
    }

    /// <summary>
    /// RAdam: d = g + l2·p; m ← β₁m + (1 − β₁)d; v ← β₂v + (1 − β₂)d²; when the variance is tractable (ρₜ &gt; 5,
    /// <paramref name="rectified"/>) p ← p·shrink − (m/c₁)·lr·(√c₂/(√v + ε))·r, else p ← p·shrink − (m/c₁)·lr, with
    /// c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ and the rectification r computed by the op.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void RAdam<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v,
        T beta1, T beta2, T correction1, T rootCorrection2, T learningRate, T epsilon, T l2, T shrink, bool rectified, T rectification)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = CheckLengths(p.Length, g.Length, m.Length, v.Length);
        for (int i = 0; i < length; i++)
        {
            T d = g[i] + (l2 * p[i]);
            UpdateMoments(ref m[i], ref v[i], d, beta1, beta2);
            T corrected = m[i] / correction1;
            T change = rectified
                ? corrected * learningRate * (rootCorrection2 / (T.Sqrt(v[i]) + epsilon)) * rectification
                : corrected * learningRate;
            p[i] = (p[i] * shrink) - change;
        }
    }

    /// <summary>Adagrad: d = g + λ·p; s ← s + d²; p ← p − lr·d/(√s + ε).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Adagrad<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> sum, T learningRate, T epsilon, T weightDecay)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = CheckLengths(p.Length, g.Length, sum.Length, p.Length);
        for (int i = 0; i < length; i++)
        {
            T d = g[i] + (weightDecay * p[i]);
            sum[i] += d * d;
            p[i] -= learningRate * d / (T.Sqrt(sum[i]) + epsilon);
        }
    }

    private static int CheckLengths(int p, int g, int a, int b)
    {
        if (g != p || a != p || b != p)
        {
            throw new ArgumentException($"Optimizer update: the parameter has {p} elements but the gradient and state have {g}, {a} and {b}.");
        }

        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> LoadAt<T>(ref T start, int index) => Vector.LoadUnsafe(ref start, (nuint)index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreAt<T>(Vector<T> value, ref T start, int index) => value.StoreUnsafe(ref start, (nuint)index);

    /// <summary>The Adam family's moments: m ← β₁m + (1 − β₁)d and v ← β₂v + (1 − β₂)d², subnormals flushed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateMoments<T>(ref T m, ref T v, T d, T beta1, T beta2)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        m = Subnormals.Flush((beta1 * m) + ((T.One - beta1) * d));
        v = Subnormals.Flush((beta2 * v) + ((T.One - beta2) * d * d));
    }
}
