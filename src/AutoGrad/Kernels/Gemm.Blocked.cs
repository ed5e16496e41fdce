using System.Numerics;

namespace AutoGrad.Kernels;

/// <summary>
/// The register tiles of one vector width for <see cref="Gemm"/>'s blocked loop nest: compute a tile of up to
/// <see cref="Mr"/> rows × <see cref="Nr"/> columns of C from a KC-deep block.
/// </summary>
internal unsafe interface IGemmTiles<T>
    where T : unmanaged
{
    /// <summary>Rows of C per full tile (and per packed A panel).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of C per full tile (and per packed B panel).</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// C[r, :cols] (=, or += when <paramref name="add"/>) Σₚ op(A)[r, p]·B[p, :] for r &lt; <paramref name="rows"/> ≤ Mr and
    /// <paramref name="cols"/> ≤ Nr, op(A)[r, p] at <paramref name="a"/> + rowStep·r + pStep·p (a packed panel or A in
    /// place), B a packed KC×Nr panel; each element summed from a zero accumulator with p ascending, then added to C or
    /// stored. A tile short of full columns may be computed into <paramref name="scratch"/> (Mr × Nr) first.
    /// </summary>
    static abstract void Run(int rows, int cols, int kc, T* a, nint rowStep, nint pStep, T* b, T* c, nint ldc, bool add,
        T* scratch);
}

internal static unsafe partial class Gemm
{
    /// <summary>The row and depth block sizes of <see cref="Blocked{T, TTiles}"/> for an m×k op(A) in panels of
    /// <paramref name="mr"/> rows, shared with <see cref="PackAllOfA{T}"/>, which packs A in those blocks ahead of it.</summary>
    private static (int RowBlock, int DepthBlock) Blocks(int m, int k, int mr) => (RoundUp(Balanced(m, MC), mr), Balanced(k, KC));

    /// <summary>
    /// The cache-blocked loop nest (see the class remarks) for one vector width: tiles of up to TTiles.Mr rows ×
    /// TTiles.Nr columns, the last rows computed without work on padding rows, the last partial column tile through a
    /// scratch tile merged under a mask (<see cref="IGemmTiles{T}.Run"/>).
    /// </summary>
    /// <remarks>
    /// <para>n &gt; <see cref="DirectAMaxN"/> (of the whole product, see <see cref="PacksA"/>): A is packed per MC×KC block and B per KC×NC block; an A panel stays in
    /// L1 while the column tiles stream B from L2, and each row panel of the block gets its epilogue as soon as its
    /// last k block is summed. A column slice of a parallel product reads its A blocks from <paramref name="sharedA"/>,
    /// all of A packed once for every slice (<see cref="PackAllOfA{T}"/>).</para>
    /// <para>n ≤ <see cref="DirectAMaxN"/> (the small products of a training step): A is read in place, in either
    /// orientation, and each KC×NR panel of B is packed just before the row tiles that use it, so it is still in L1
    /// for all of them; the epilogue sees the whole MC×NC block once its last k block is summed.</para>
    /// Either way every element of C is summed the same way: each KC block from a zero accumulator, p ascending, then
    /// added to C (or stored, for the first block without accumulation), so the result does not depend on which rows
    /// or columns a thread was given.
    /// </remarks>
    private static void Blocked<T, TTiles>(T* a, nint lda, bool transA, T* b, nint ldb, bool transB, T* c, nint ldc,
        int m, int n, int k, bool accumulate, in EpilogueTarget<T> epilogue, bool packA, T* sharedA)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TTiles : struct, IGemmTiles<T>
    {
        int mr = TTiles.Mr;
        int nr = TTiles.Nr;
        (int mcMax, int kcMax) = Blocks(m, k, mr);
        int ncMax = RoundUp(Balanced(n, NC), nr);

        // op(A)[i, p] read in place sits at a + rowStep·i + pStep·p.
        nint rowStep = transA ? 1 : lda;
        nint pStep = transA ? lda : 1;
        T* packedA = packA && sharedA == null ? PackBuffers<T>.A(mcMax * kcMax) : null;
        T* packedB = PackBuffers<T>.B(kcMax * ncMax);
        T* scratch = stackalloc T[mr * nr];

        for (int i0 = 0; i0 < m; i0 += mcMax)
        {
            int mc = Math.Min(mcMax, m - i0);
            for (int p0 = 0; p0 < k; p0 += kcMax)
            {
                int kc = Math.Min(kcMax, k - p0);
                bool add = accumulate || p0 > 0;
                bool final = p0 + kc == k;
                if (sharedA != null)
                {
                    packedA = sharedA + SharedABlock(i0, p0, mc, k, mr);
                }
                else if (packA)
                {
                    PackA(a, lda, transA, i0, p0, mc, kc, packedA, mr);
                }

                for (int j0 = 0; j0 < n; j0 += ncMax)
                {
                    int nc = Math.Min(ncMax, n - j0);
                    T* blockC = c + (i0 * ldc) + j0;
                    if (packA)
                    {
                        // A block in L2, its row panel in L1 across the column tiles; B's block packed up front.
                        PackB(b, ldb, transB, p0, j0, kc, nc, packedB, nr);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                TTiles.Run(rows, Math.Min(nr, nc - jr), kc, packedA + (ir * kc), 1, mr, packedB + (jr * kc),
                                    blockC + (ir * ldc) + jr, ldc, add, scratch);
                            }

                            if (final)
                            {
                                epilogue.Apply(i0 + ir, rows, j0, nc);
                            }
                        }
                    }
                    else
                    {
                        // A read in place (few column tiles): each B panel is packed just before the row tiles that use
                        // it, so it is still in L1 for all of them.
                        T* blockA = a + (i0 * rowStep) + (p0 * pStep);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            PackB(b, ldb, transB, p0, j0 + jr, kc, cols, packedB, nr);
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                TTiles.Run(Math.Min(mr, mc - ir), cols, kc, blockA + (ir * rowStep), rowStep, pStep, packedB,
                                    blockC + (ir * ldc) + jr, ldc, add, scratch);
                            }
                        }

                        if (final)
                        {
                            epilogue.Apply(i0, mc, j0, nc);
                        }
                    }
                }
            }
        }
    }
}
