namespace AutoGrad.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Sums this tensor down to <paramref name="target"/>, the inverse of broadcasting: leading axes are summed away and
    /// axes where the target has size 1 are summed with kept dims. A composite of reduce_sum and reshape; the reverse
    /// walk uses it to return a broadcast input's gradient to the input's own shape.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> does not broadcast to this tensor's shape.</exception>
    public Tensor SumTo(Shape target)
    {
        if (Shape == target)
        {
            return this;
        }

        ShapeChecks.BroadcastableTo("sum_to", target, Shape);
        int lead = Rank - target.Rank;
        var axes = new List<int>(Rank);
        for (int i = 0; i < Rank; i++)
        {
            if (i < lead || (target[i - lead] == 1 && Shape[i] != 1))
            {
                axes.Add(i);
            }
        }

        Tensor summed = axes.Count == 0 ? this : Sum(axes.ToArray(), keepDims: true);
        return summed.Shape == target ? summed : summed.Reshape(target);
    }
}
