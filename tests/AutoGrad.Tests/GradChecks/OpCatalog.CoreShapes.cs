using AutoGrad.Tensors;
using static AutoGrad.Tests.GradChecks.InputSpec;

namespace AutoGrad.Tests.GradChecks;

public static partial class OpCatalog
{
    /// <summary>
    /// The shape ops of the core (reshape, broadcast_to). Kept apart from the Shaping family file of the shape-op
    /// helper so both can grow without touching the same file.
    /// </summary>
    public static IEnumerable<OpCase> CoreShapes()
    {
        yield return new("reshape", "(2,3) to (3,2)", x => x[0].Reshape(3, 2).Mul(x[0].Reshape(3, 2)), [Normal([2, 3])], 2);
        yield return new("reshape", "(2,3) to (-1,)", x => x[0].Reshape(-1), [Normal([2, 3])], 2);
        yield return new("reshape", "(2,3,4) to (4,-1)", x => x[0].Reshape(4, -1), [Normal([2, 3, 4])], 1);
        yield return new("broadcast_to", "(3,) to (2,3)", x => x[0].BroadcastTo([2, 3]), [Normal([3])], 2);
        yield return new("broadcast_to", "(2,1) to (4,2,3)", x => x[0].BroadcastTo([4, 2, 3]), [Normal([2, 1])], 2);
        yield return new("broadcast_to", "() to (2,2)", x => x[0].BroadcastTo([2, 2]).Square(), [Normal([])], 2);
    }
}
