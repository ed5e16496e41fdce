using AutoGrad.Tensors;

namespace AutoGrad.Examples.CustomLayer;

/// <summary>Two interleaved spirals in the plane: a small classification task no straight line can solve.</summary>
public static class Spirals
{
    /// <summary>Makes <paramref name="count"/> points, alternating between the two spirals, with a little noise.</summary>
    /// <param name="count">The number of points (even).</param>
    /// <param name="generator">The source of noise, for repeatable data.</param>
    /// <returns>Points <c>[count, 2]</c> and their Int64 classes <c>[count]</c> (0 or 1).</returns>
    public static (Tensor Points, Tensor Labels) Make(int count, Generator generator)
    {
        var points = new float[count * 2];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int spiral = i % 2;
            double radius = (double)(i / 2) / (count / 2);
            double angle = (radius * 3 * Math.PI) + (spiral * Math.PI) + (0.15 * generator.NextNormal());
            points[2 * i] = (float)(radius * Math.Cos(angle));
            points[(2 * i) + 1] = (float)(radius * Math.Sin(angle));
            labels[i] = spiral;
        }
        return (Tensor.FromArray(points, count, 2), Tensor.FromArray(labels, count));
    }
}
