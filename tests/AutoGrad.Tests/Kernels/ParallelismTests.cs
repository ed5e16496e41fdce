using AutoGrad.Kernels;

namespace AutoGrad.Tests.Kernels;

public class ParallelismTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(3, 8)]
    public void For_AnyThreadCount_RunsEveryIndexExactlyOnce(int count, int maxThreads)
    {
        var body = new CountingBody(count);

        Parallelism.For(count, body, maxThreads);

        Assert.All(body.Calls, calls => Assert.Equal(1, calls));
    }

    [Fact]
    public void For_CalledInsideRegion_RunsNestedPartsOnTheCallingThread()
    {
        var outer = new NestingBody();

        Parallelism.For(4, outer, maxThreads: 2);

        Assert.Equal(4 * NestingBody.InnerCount, outer.InnerOnSameThread);
        Assert.False(Parallelism.IsInParallelRegion);
    }

    [Fact]
    public void For_SerialOnThisThread_RunsEveryPartOnTheCallingThread_AndOnlyWhileSet()
    {
        var serial = new ThreadRecordingBody(Environment.CurrentManagedThreadId);
        Parallelism.SerialOnThisThread = true;
        try
        {
            Parallelism.For(64, serial, maxThreads: 2);
        }
        finally
        {
            Parallelism.SerialOnThisThread = false;
        }

        Assert.Equal(64, serial.SameThread);
        Assert.False(Parallelism.SerialOnThisThread);
        Assert.False(Parallelism.IsInParallelRegion);
    }

    [Fact]
    public void For_PartThrows_RethrowsOnCaller()
    {
        var body = new ThrowingBody(throwAt: 5);

        var error = Assert.Throws<InvalidOperationException>(() => Parallelism.For(50, body, maxThreads: 2));

        Assert.Equal("part 5", error.Message);
        Assert.False(Parallelism.IsInParallelRegion);
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(1e6, 1)]
    [InlineData(8e6, 2)]
    [InlineData(1e12, 2)]
    public void ThreadsFor_WorkSize_ScalesUpToLimit(double work, int expected)
    {
        int threads = Math.Min(2, Parallelism.ThreadsFor(work, minWorkPerThread: 4e6));

        Assert.Equal(Math.Min(expected, Settings.NumThreads), threads);
    }

    private sealed class CountingBody(int count) : IParallelBody
    {
        public int[] Calls { get; } = new int[count];

        public void Execute(int index) => Interlocked.Increment(ref Calls[index]);
    }

    private sealed class NestingBody : IParallelBody
    {
        public const int InnerCount = 10;
        private int _innerOnSameThread;

        public int InnerOnSameThread => _innerOnSameThread;

        public void Execute(int index)
        {
            var inner = new ThreadRecordingBody(Environment.CurrentManagedThreadId);
            Parallelism.For(InnerCount, inner, maxThreads: 2);
            Interlocked.Add(ref _innerOnSameThread, inner.SameThread);
        }
    }

    private sealed class ThreadRecordingBody(int expectedThread) : IParallelBody
    {
        private int _sameThread;

        public int SameThread => _sameThread;

        public void Execute(int index)
        {
            Assert.True(Parallelism.IsInParallelRegion);
            if (Environment.CurrentManagedThreadId == expectedThread)
            {
                Interlocked.Increment(ref _sameThread);
            }
        }
    }

    private sealed class ThrowingBody(int throwAt) : IParallelBody
    {
        public void Execute(int index)
        {
            if (index == throwAt)
            {
                throw new InvalidOperationException($"part {index}");
            }
        }
    }
}
