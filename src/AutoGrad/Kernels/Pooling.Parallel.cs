using System.Numerics;

namespace AutoGrad.Kernels;

internal static unsafe partial class Pooling
{
    /// <summary>
    /// Elements of input per thread below which the 2×2 pooling passes stay on one thread. They are bound by memory
    /// traffic, and a first pooling layer's batch (128×32×26×26 floats, 11 MB) is far larger than the caches, so a
    /// second core adds the bandwidth one core cannot draw; a few hundred KB would not repay waking it.
    /// </summary>
    internal const double MinElementsPerThread = 256 * 1024;

    /// <summary>
    /// The 2×2 forward or backward pass over <paramref name="planes"/> planes, cut into runs of whole planes spread over
    /// the cores. Planes are disjoint in the input, the output and the gradient, so the result is the same bits however
    /// the planes are dealt.
    /// </summary>
    private static void TwoByTwoOverPlanes<T>(bool backward, ReadOnlySpan<T> dy, ReadOnlySpan<T> x, int planes, int h, int w,
        int oH, int oW, Span<T> destination, IGemmEpilogue<T>? epilogue = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int threads = Parallelism.ThreadsFor((double)planes * h * w, MinElementsPerThread);
        if (threads <= 1)
        {
            if (backward)
            {
                MaxBackwardTwoByTwo(dy, x, planes, h, w, oH, oW, destination, new EpilogueRuns<T>(epilogue, destination, h * w, 0));
            }
            else
            {
                MaxForwardTwoByTwo(x, planes, h, w, oH, oW, destination);
            }

            return;
        }

        fixed (T* px = x)
        fixed (T* pdy = dy)
        fixed (T* pd = destination)
        {
            PoolingJob<T> job = PoolingJob<T>.ForCurrentThread();
            int parts = Math.Min(planes, 4 * threads);
            job.Set(backward, px, pdy, pd, planes, h, w, oH, oW, parts, epilogue);
            try
            {
                Parallelism.For(parts, job, threads);
            }
            finally
            {
                job.Clear();
            }
        }
    }
}

/// <summary>
/// One 2×2 pooling pass cut into runs of planes (see <see cref="Pooling"/>): the fields are set before each call and
/// cleared after it, and one instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed unsafe class PoolingJob<T> : IParallelBody
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static PoolingJob<T>? t_instance;

    private bool _backward;
    private T* _x;
    private T* _dy;
    private T* _destination;
    private int _planes;
    private int _h;
    private int _w;
    private int _oH;
    private int _oW;
    private int _parts;
    private IGemmEpilogue<T>? _epilogue;

    /// <summary>This thread's reusable job.</summary>
    public static PoolingJob<T> ForCurrentThread() => t_instance ??= new PoolingJob<T>();

    public void Set(bool backward, T* x, T* dy, T* destination, int planes, int h, int w, int oH, int oW, int parts, IGemmEpilogue<T>? epilogue)
    {
        _backward = backward;
        _epilogue = epilogue;
        _x = x;
        _dy = dy;
        _destination = destination;
        (_planes, _h, _w, _oH, _oW, _parts) = (planes, h, w, oH, oW, parts);
    }

    /// <summary>Drops the pointers, which are valid only while the caller keeps the spans pinned.</summary>
    public void Clear()
    {
        _x = null;
        _dy = null;
        _destination = null;
        _epilogue = null;
    }

    public void Execute(int index)
    {
        int first = (int)((long)_planes * index / _parts);
        int count = (int)((long)_planes * (index + 1) / _parts) - first;
        int plane = _h * _w, outPlane = _oH * _oW;
        var x = new ReadOnlySpan<T>(_x + ((long)first * plane), count * plane);
        if (_backward)
        {
            var dy = new ReadOnlySpan<T>(_dy + ((long)first * outPlane), count * outPlane);
            var dx = new Span<T>(_destination + ((long)first * plane), count * plane);
            var all = new Span<T>(_destination, _planes * plane);
            Pooling.MaxBackwardTwoByTwo(dy, x, count, _h, _w, _oH, _oW, dx, new EpilogueRuns<T>(_epilogue, all, plane, first));
        }
        else
        {
            var y = new Span<T>(_destination + ((long)first * outPlane), count * outPlane);
            Pooling.MaxForwardTwoByTwo(x, count, _h, _w, _oH, _oW, y);
        }
    }
}
