using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace AutoGrad.Tensors;

/// <summary>
/// The guards of a one-pass batched trace (<c>Graph.Trace</c> with a <c>B</c> axis). The function runs once, on
/// placeholders whose batch axis and named dimensions have unusual prime extents (<see cref="Scope.Sentinels"/>), and every
/// axis, shape attribute and marked scalar constant divisible by them is read back, by factoring, as <c>k·B</c>,
/// <c>T</c>, <c>k·B·T</c>. That is exact as long as nothing decided anything by a symbolic size as a number. Library
/// code passes extents on (into reshape targets, into a mean's divisor, which it marks) or validates them; where it
/// loops over one (a recurrent layer unrolling its time steps), the graph fails the check at other sizes that every
/// one-pass graph gets. So only the traced function's own code can branch on a size unseen: these guards notice when it
/// reads a symbolic extent, draws a random number or meets anything else one pass cannot express, and the trace then
/// falls back to two passes (at two sets of sizes, compared op by op), which either recovers the graph or reports the
/// problem. A fallback never changes the result, only the cost.
/// </summary>
internal static class SymbolicExtents
{
    // How many one-pass traces are running, on any thread. Eager code pays one read of this field per guarded access.
    private static int active;

    [ThreadStatic]
    private static Scope? current;

    [ThreadStatic]
    private static int allowedDraws;

    [ThreadStatic]
    private static int libraryDepth;

    /// <summary>Whether a one-pass trace runs anywhere (the cheap test guarded accessors make first).</summary>
    internal static bool AnyActive => active != 0;

    /// <summary>Starts a one-pass trace on this thread whose symbolic sizes have the (prime) extents <paramref name="sentinels"/>.</summary>
    public static Scope Begin(Graphs.DimBindings sentinels)
    {
        var scope = new Scope(sentinels, current);
        current = scope;
        Interlocked.Increment(ref active);
        return scope;
    }

    /// <summary>
    /// Called by <see cref="Shape"/>'s accessors while a one-pass trace runs: a read of axis <paramref name="axis"/>
    /// (-1: all of them) of <paramref name="dims"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void OnRead(int[]? dims, int axis)
    {
        if (libraryDepth > 0 || current is not { } scope || dims is null || !scope.IsSymbolic(dims, axis) || ReadByLibrary())
        {
            return;
        }

        scope.Abort("the traced function read a batch-dependent extent (e.g. x.Shape[0]) as a number");
    }

    /// <summary>Called by <see cref="Generator"/> while a one-pass trace runs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void OnRandomDraw()
    {
        if (current is { } scope && allowedDraws == 0)
        {
            // A random value read at trace time would be baked into the graph as a constant.
            scope.Abort("the traced function drew random numbers outside an op");
        }
    }

    /// <summary>Draws made while the returned scope is open (a lazily built layer initializing its parameters) are not a
    /// trace's random constants: they become parameters, which the graph reads at run time.</summary>
    public static DrawPermit AllowDraws()
    {
        allowedDraws++;
        return default;
    }

    /// <summary>Marks a scalar constant that library code computed as a product of extents (a mean's divisor), so that a
    /// one-pass trace can tell whether it is proportional to <c>B</c>.</summary>
    public static void MarkCount(Tensor constant, int count)
    {
        if (current is { } scope && scope.CarriesSymbol(count))
        {
            Graphs.Dim extent = scope.ToDim(count);
            scope.Scaled[constant] = (false, extent.Value, Graphs.Dim.Monomial(1, extent.Symbols));
        }
    }

    /// <summary>Marks a scalar constant that a graph run inside the trace resolved from its own factor·unit
    /// (<paramref name="perBatch"/>: factor/unit) at <paramref name="sizes"/>; it follows the trace's sizes only when each
    /// symbol of the unit had the trace's own extent.</summary>
    public static void MarkScaled(Tensor constant, Graphs.DimBindings sizes, bool perBatch, double factor, Graphs.Dim unit)
    {
        if (current is { } scope && unit.Symbols.All(x => scope.Sentinels.Binds(x) && sizes.Binds(x) && sizes[x] == scope.Sentinels[x]))
        {
            scope.Scaled[constant] = (perBatch, factor, unit);
        }
    }

    /// <summary>Ends <see cref="AllowDraws"/>.</summary>
    internal readonly struct DrawPermit : IDisposable
    {
        public void Dispose() => allowedDraws--;
    }

    /// <summary>Reads of extents while the returned scope is open are library code's (a shape rule's), known without a
    /// stack walk.</summary>
    public static LibraryScope Library()
    {
        libraryDepth++;
        return default;
    }

    /// <summary>Ends <see cref="Library"/>.</summary>
    internal readonly struct LibraryScope : IDisposable
    {
        public void Dispose() => libraryDepth--;
    }

    /// <summary>
    /// Whether the first frame that is not an extent accessor (Shape, TensorType, a member marked
    /// <see cref="ForwardsExtentsAttribute"/>) or framework code belongs to AutoGrad itself. Runs only for reads of a
    /// batch-dependent extent during a one-pass trace, so the stack walk costs nothing in eager code.
    /// </summary>
    private static bool ReadByLibrary()
    {
        Assembly library = typeof(Shape).Assembly;
        var trace = new StackTrace(2, false);
        for (int i = 0; i < trace.FrameCount; i++)
        {
            MethodBase? method = trace.GetFrame(i)?.GetMethod();
            Type? type = method?.DeclaringType;
            if (method is null || type is null || type == typeof(Shape) || type == typeof(TensorType) || type == typeof(SymbolicExtents)
                || method.IsDefined(typeof(ForwardsExtentsAttribute), false) || IsFramework(type.Assembly))
            {
                continue;
            }

            // A library method that runs user code (a layer's Forward, a loss, a delegate) may hold that code inlined by
            // the JIT (tiered PGO inlines hot virtual and delegate targets), and a stack trace cannot show inlined
            // frames: a read there, or in a compiler-generated lambda or local function, is counted as the user's.
            if (method.IsDefined(typeof(InvokesUserCodeAttribute), false) || method.Name.Contains('<') || type.FullName?.Contains('<') == true)
            {
                return false;
            }

            return type.Assembly == library;
        }

        return false;
    }

    private static bool IsFramework(Assembly assembly)
    {
        string? name = assembly.GetName().Name;
        return name is not null && (name.StartsWith("System.", StringComparison.Ordinal) || name == "System" || name == "mscorlib" || name == "netstandard");
    }

    /// <summary>One running one-pass trace: its sentinel batch extent, the shapes that carry it, and why it must fall back.</summary>
    internal sealed class Scope : IDisposable
    {
        private readonly Scope? outer;
        private readonly HashSet<int[]> symbolic = new(ReferenceEqualityComparer.Instance);
        private bool disposed;

        public Scope(Graphs.DimBindings sentinels, Scope? outer)
        {
            Sentinels = sentinels;
            this.outer = outer;
            primes = [.. sentinels.Names.Select(n => sentinels[n])];
            names = [.. sentinels.Names];
        }

        private readonly int[] primes;
        private readonly string[] names;

        /// <summary>The (prime) extent of each symbolic size in this trace's placeholders.</summary>
        public Graphs.DimBindings Sentinels { get; }

        /// <summary>Why the one pass cannot be trusted; null while it can.</summary>
        public string? FallbackReason { get; private set; }

        /// <summary>Scalar constants known to be factor·unit (or factor/unit when PerBatch) for a product of symbolic sizes,
        /// marked by <see cref="MarkCount"/> and <see cref="MarkScaled"/>.</summary>
        public Dictionary<Tensor, (bool PerBatch, double Factor, Graphs.Dim Unit)> Scaled { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>Whether an extent is a multiple of a symbol's extent, i.e. read back as symbolic.</summary>
        public bool CarriesSymbol(long extent)
        {
            foreach (int prime in primes)
            {
                if (extent != 0 && extent % prime == 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>An extent read back as factor × the product of the symbols whose (prime) extents divide it.</summary>
        public Graphs.Dim ToDim(int extent)
        {
            if (extent == 0)
            {
                return Graphs.Dim.Fixed(0);
            }

            var symbols = new List<string>();
            int rest = extent;
            for (int i = 0; i < primes.Length; i++)
            {
                while (rest % primes[i] == 0)
                {
                    rest /= primes[i];
                    symbols.Add(names[i]);
                }
            }

            return Graphs.Dim.Monomial(rest, symbols);
        }

        /// <summary>Guards the dimensions of a traced value's shape if some axis carries the batch.</summary>
        public void Register(Shape shape)
        {
            int[]? dims = shape.DimsArray;
            if (dims is not null && Array.Exists(dims, d => CarriesSymbol(d)))
            {
                symbolic.Add(dims);
            }
        }

        /// <summary>Records why the trace must fall back and stops the traced function at once.</summary>
        [DoesNotReturn]
        public void Abort(string reason)
        {
            FallbackReason ??= reason;
            throw new OnePassTraceAbortedException(reason);
        }

        /// <summary>Records a reason to fall back found after the function returned.</summary>
        public void Reject(string reason) => FallbackReason ??= reason;

        internal bool IsSymbolic(int[] dims, int axis) =>
            symbolic.Contains(dims) && (axis < 0 ? Array.Exists(dims, d => CarriesSymbol(d)) : CarriesSymbol(dims[axis]));

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                current = outer;
                Interlocked.Decrement(ref active);
            }
        }
    }
}

/// <summary>Marks a member that only hands a shape's extents on to its caller (e.g. <see cref="Tensor.Size"/>), so a
/// one-pass trace judges the read by that caller.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
internal sealed class ForwardsExtentsAttribute : Attribute
{
}

/// <summary>
/// Marks a library method that calls user code (an overridable <c>Forward</c>, a loss's <c>Unreduced</c>, a user's
/// delegate). Such a method must also be <c>NoInlining</c>, so its frame, in which the JIT may inline the user code,
/// stays visible: a one-pass trace counts any extent read from it as the user's.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class InvokesUserCodeAttribute : Attribute
{
}

/// <summary>Stops a one-pass trace that must fall back to two passes; never reaches users.</summary>
internal sealed class OnePassTraceAbortedException(string reason) : Exception(reason)
{
}
