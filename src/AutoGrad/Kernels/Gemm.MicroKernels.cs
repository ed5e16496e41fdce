using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AutoGrad.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel: computes one <see cref="MR"/>×<see cref="NR"/> tile of C from packed
/// micro-panels of A and B.
/// </summary>
/// <remarks>
/// Packed layout: the A micro-panel holds, for each p in [0, kc), the <see cref="MR"/> values A[i, p] of its rows;
/// the B micro-panel holds, for each p, the <see cref="NR"/> values B[p, j] of its columns. Rows and columns past the
/// edge of the matrix are packed as zeros, so the kernel always computes a full tile.
/// </remarks>
internal unsafe interface IGemmMicroKernel<T>
    where T : unmanaged
{
    /// <summary>Rows of C per tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C per tile.</summary>
    static abstract int NR { get; }

    /// <summary>Tile[i, j] (=, or += when <paramref name="add"/>) Σₚ A[i, p]·B[p, j], tile rows <paramref name="ldc"/> apart.</summary>
    static abstract void Run(int kc, T* a, T* b, T* c, nint ldc, bool add);
}

/// <summary>6×(2·Vector256) tile (6×16 floats or 6×8 doubles) using 12 of the 16 ymm registers as accumulators.</summary>
internal readonly unsafe struct Avx2MicroKernel<T> : IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int MR => 6;

    public static int NR => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, bool add)
    {
        int v = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + v);
            Vector256<T> x = Vector256.Create(a[0]);
            c00 = Fma(x, b0, c00);
            c01 = Fma(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma(x, b0, c10);
            c11 = Fma(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma(x, b0, c20);
            c21 = Fma(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma(x, b0, c30);
            c31 = Fma(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Fma(x, b0, c40);
            c41 = Fma(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Fma(x, b0, c50);
            c51 = Fma(x, b1, c51);
            a += 6;
            b += 2 * v;
        }

        Store(c, v, c00, c01, add);
        Store(c + ldc, v, c10, c11, add);
        Store(c + (2 * ldc), v, c20, c21, add);
        Store(c + (3 * ldc), v, c30, c31, add);
        Store(c + (4 * ldc), v, c40, c41, add);
        Store(c + (5 * ldc), v, c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, int v, Vector256<T> lo, Vector256<T> hi, bool add)
    {
        if (add)
        {
            lo += Vector256.Load(row);
            hi += Vector256.Load(row + v);
        }

        lo.Store(row);
        hi.Store(row + v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> addend)
    {
        if (typeof(T) == typeof(float))
        {
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), addend.AsSingle()).As<float, T>();
        }

        if (typeof(T) == typeof(double))
        {
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), addend.AsDouble()).As<double, T>();
        }

        return (x * y) + addend;
    }
}
