using System.Runtime.Intrinsics;

namespace AutoGrad.Kernels;

/// <summary>
/// The position-major tiles of the wide direct kernels (<see cref="ForwardWide"/>: 64 output channels in blocks of six
/// outputs; <see cref="InputGradWide"/>: 32 input channels in blocks of seven positions). A tile holds an image's
/// positions row by row, each row in <see cref="Slots"/> slots of <c>width</c> channels: blocks of <c>block</c> from the
/// row's start, the last one moved left to end at the row's end when it overlaps the one before, but given slots of its
/// own, so a partial sum carried over a chunk of taps or channels is never added to twice.
/// </summary>
internal static unsafe partial class DirectConvolution
{
    // Slots of a row of rowLength positions: whole blocks.
    private static int Slots(int rowLength, int block) => (rowLength + block - 1) / block * block;

    // Where a row's last block starts when it overlaps the one before (its positions then sit in the row's last block of
    // slots); rowLength when none does: a row of whole blocks, or one ending in block − 1 positions, which the kernels run
    // with a block one shorter (11 = 6 + 5, 13 = 7 + 6) instead of recomputing a position.
    private static int OverlapStart(int rowLength, int block) =>
        rowLength % block == 0 || rowLength % block == block - 1 ? rowLength : rowLength - block;

    /// <summary>
    /// The tile's l = rows × <paramref name="rowLength"/> positions × <paramref name="width"/> channels into
    /// <paramref name="width"/> channel planes of l positions at <paramref name="planes"/>, plus <paramref name="addend"/>[c]
    /// for channel c when given: square blocks of one vector's width transposed in registers (<see cref="Transpose16"/>
    /// or <see cref="Transpose8"/>; the last block of a plane overlapping the one before), one element at a time for
    /// planes shorter than a block. Where no addend is given −0 is added, which leaves every value as it is.
    /// </summary>
    private static void TileToPlanes(float* tile, int width, int block, int rowLength, int l, ReadOnlySpan<float> addend, float* planes)
    {
        int slots = Slots(rowLength, block), overlapStart = OverlapStart(rowLength, block);
        int SlotOf(int q)
        {
            int r = q / rowLength, c = q - (r * rowLength);
            return (r * slots) + (c < overlapStart ? c : c - overlapStart + slots - block);
        }

        int side = TransposeBlock;
        if (l < side)
        {
            for (int c = 0; c < width; c++)
            {
                float a = addend.IsEmpty ? -0f : addend[c];
                for (int q = 0; q < l; q++)
                {
                    planes[(c * l) + q] = tile[(SlotOf(q) * width) + c] + a;
                }
            }

            return;
        }

        int* rows = stackalloc int[16];
        fixed (float* add = addend)
        {
            for (int c0 = 0; c0 < width; c0 += side)
            {
                for (int q0 = 0; ; q0 += side)
                {
                    int start = Math.Min(q0, l - side);
                    for (int i = 0; i < side; i++)
                    {
                        rows[i] = (SlotOf(start + i) * width) + c0;
                    }

                    TransposeBlockOf(tile, rows, add == null ? null : add + c0, planes + (c0 * l) + start, l);
                    if (start == l - side)
                    {
                        break;
                    }
                }
            }
        }
    }

    // The side of the square blocks the tiles are transposed in: one vector of the direct kernels' width.
    private static int TransposeBlock => VectorBits == 512 ? 16 : 8;

    // The TransposeBlock-square block whose row i is at source + rows[i], plus add[c] in column c (−0 without add, which
    // leaves every value as it is), transposed: column c to destination + c·stride.
    private static void TransposeBlockOf(float* source, int* rows, float* add, float* destination, nint stride)
    {
        if (VectorBits == 512)
        {
            Transpose16.Run(source, rows, add == null ? Vector512.Create(-0f) : Vector512.Load(add), destination, stride);
        }
        else
        {
            Transpose8.Run(source, rows, add == null ? Vector256.Create(-0f) : Vector256.Load(add), destination, stride);
        }
    }
}
