using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoGrad.Tensors;

/// <summary>
/// A seedable random number generator (xoshiro256** seeded through SplitMix64) that gives the same sequence for the
/// same seed on every run, machine and .NET version, unlike <see cref="System.Random"/> whose algorithm may change.
/// </summary>
/// <remarks>Not thread-safe: use one generator per thread. <see cref="Default"/> is per thread.</remarks>
public sealed class Generator
{
    [ThreadStatic]
    private static Generator? threadDefault;

    /// <summary>The seed every thread's default generator starts from until <see cref="ManualSeed"/> is called on it.</summary>
    public const long DefaultSeed = 0x5EED;

    private ulong s0, s1, s2, s3;
    private double? spareNormal;

    /// <summary>Creates a generator from a seed.</summary>
    public Generator(long seed) => Reseed(seed);

    /// <summary>
    /// The generator used when none is passed. It is per thread, so code on one thread gets the same numbers whatever
    /// other threads draw; each thread's starts at <see cref="DefaultSeed"/> until <see cref="ManualSeed"/> is called on it.
    /// </summary>
    public static Generator Default => threadDefault ??= new Generator(DefaultSeed);

    /// <summary>Reseeds the current thread's default generator (like <c>torch.manual_seed</c>, but per thread).</summary>
    public static void ManualSeed(long seed) => threadDefault = new Generator(seed);

    /// <summary>Restarts the sequence from a seed.</summary>
    public void Reseed(long seed)
    {
        ulong x = unchecked((ulong)seed);
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
        spareNormal = null;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        if (SymbolicExtents.AnyActive)
        {
            SymbolicExtents.OnRandomDraw();
        }

        return Step(ref s0, ref s1, ref s2, ref s3);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// Fills <paramref name="mask"/> with <paramref name="dropped"/> where a draw of <see cref="NextDouble"/> is below
    /// <paramref name="p"/> and <paramref name="kept"/> elsewhere, one draw per element in order: exactly what a loop of
    /// NextDouble() calls gives, and the generator ends in the same state.
    /// </summary>
    /// <remarks>
    /// A dropout mask draws once per activation (the MNIST <c>mlp</c>'s 128 × 512 per step), where the per-call work
    /// of NextDouble (the trace check, the state's four fields read and written back, the conversion) cost about as much
    /// as Adam's update: here the state stays in registers and a draw k·2⁻⁵³ &lt; p is the integer test k &lt; ⌈p·2⁵³⌉,
    /// exact because scaling by 2⁵³ is.
    /// </remarks>
    internal void FillMask<T>(Span<T> mask, double p, T dropped, T kept)
        where T : unmanaged
    {
        // What NextUInt64 reports to a running trace, once for the whole mask: the first draw decides.
        if (SymbolicExtents.AnyActive && !mask.IsEmpty)
        {
            SymbolicExtents.OnRandomDraw();
        }

        const double TwoTo53 = 1UL << 53;
        long threshold = p <= 0 ? 0 : p >= 1 ? 1L << 53 : (long)Math.Ceiling(p * TwoTo53);
        if (typeof(T) == typeof(float))
        {
            Fill(MemoryMarshal.Cast<T, uint>(mask), threshold, Unsafe.BitCast<T, uint>(dropped), Unsafe.BitCast<T, uint>(kept));
        }
        else if (typeof(T) == typeof(double))
        {
            Fill(MemoryMarshal.Cast<T, ulong>(mask), threshold, Unsafe.BitCast<T, ulong>(dropped), Unsafe.BitCast<T, ulong>(kept));
        }
        else
        {
            throw new NotSupportedException($"FillMask: {typeof(T).Name} masks are not supported (float or double).");
        }
    }

    // FillMask's loop on the elements' bits. The pick is a select on the sign of k − threshold, not a branch: a draw
    // below p is as unpredictable as p makes it, and a mispredicted branch per element cost more than the draw.
    private void Fill<TBits>(Span<TBits> mask, long threshold, TBits dropped, TBits kept)
        where TBits : unmanaged, IBinaryInteger<TBits>
    {
        ulong a = s0, b = s1, c = s2, d = s3;
        for (int i = 0; i < mask.Length; i++)
        {
            ulong result = Step(ref a, ref b, ref c, ref d);

            // All ones when the draw k = result >> 11 is below the threshold (k and the threshold are below 2⁵³).
            TBits below = TBits.CreateTruncating((long)(result >> 11) - threshold >> 63);
            mask[i] = (dropped & below) | (kept & ~below);
        }

        (s0, s1, s2, s3) = (a, b, c, d);
    }

    // One xoshiro256** step: the output of state (a, b, c, d), which it then advances. Inlined, so a loop over locals
    // keeps the state in registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ref ulong a, ref ulong b, ref ulong c, ref ulong d)
    {
        ulong result = RotateLeft(b * 5, 7) * 9;
        ulong t = b << 17;
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= t;
        d = RotateLeft(d, 45);
        return result;
    }

    /// <summary>A uniform double in [low, high).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>A standard normal sample (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextNormal()
    {
        if (spareNormal is { } spare)
        {
            if (SymbolicExtents.AnyActive)
            {
                SymbolicExtents.OnRandomDraw();
            }

            spareNormal = null;
            return spare;
        }

        double u1;
        do
        {
            u1 = NextDouble();
        }
        while (u1 <= double.Epsilon);

        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = radius * Math.Sin(2.0 * Math.PI * u2);
        return radius * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A uniform integer in [low, high), without modulo bias.</summary>
    /// <exception cref="ArgumentException"><paramref name="high"/> is not above <paramref name="low"/>.</exception>
    public long NextInt(long low, long high)
    {
        if (high <= low)
        {
            throw new ArgumentException($"NextInt: high ({high}) must be greater than low ({low}).");
        }

        ulong range = (ulong)(high - low);
        ulong limit = ulong.MaxValue - (ulong.MaxValue % range);
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r >= limit);

        return low + (long)(r % range);
    }

    /// <summary>Shuffles a span in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = (int)NextInt(0, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
