using System.Diagnostics;
using AutoGrad.Tensors;

namespace AutoGrad.Differentiation;

/// <summary>
/// Off by default. When on (per thread), every op's output and every gradient is checked for NaN and infinity, and each
/// node records where in user code it was created, so the first op that produces a bad value throws naming itself and that place.
/// </summary>
public static class AnomalyMode
{
    [ThreadStatic]
    private static bool enabled;

    // The node whose gradient rule is running, so a bad value produced inside a rule is blamed on that rule.
    [ThreadStatic]
    private static Node? currentRule;

    /// <summary>Whether anomaly detection is on for this thread.</summary>
    public static bool IsEnabled => enabled;

    /// <summary>Turns anomaly detection on until the returned scope is disposed.</summary>
    public static IDisposable Enable() => new Scope();

    internal static Node? CurrentRule
    {
        get => currentRule;
        set => currentRule = value;
    }

    internal static void CheckForward(string opName, Tensor output)
    {
        if (!IsFinite(output) && currentRule is { } rule)
        {
            throw new AnomalyException(
                $"Anomaly: the gradient rule of '{rule.Op.Name}' produced {Describe(output)} (in its '{opName}' step); " +
                $"the node was created at {rule.CreationSite ?? "an unknown place"}.");
        }

        if (!IsFinite(output))
        {
            throw new AnomalyException(
                $"Anomaly: op '{opName}' produced {Describe(output)} in its forward pass, called at {CallerSite() ?? "an unknown place"}.");
        }
    }

    internal static void CheckBackward(Node node, int inputIndex, Tensor gradient)
    {
        if (!IsFinite(gradient))
        {
            throw new AnomalyException(
                $"Anomaly: the gradient rule of '{node.Op.Name}' produced {Describe(gradient)} for input {inputIndex}; " +
                $"the node was created at {node.CreationSite ?? "an unknown place"}.");
        }
    }

    /// <summary>The first stack frame outside the AutoGrad library, as "Method in File:line".</summary>
    internal static string? CallerSite()
    {
        var trace = new StackTrace(1, fNeedFileInfo: true);
        var library = typeof(AnomalyMode).Assembly;
        foreach (StackFrame frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            if (method?.DeclaringType is { } type && type.Assembly != library)
            {
                string file = frame.GetFileName() is { } f ? $" in {Path.GetFileName(f)}:line {frame.GetFileLineNumber()}" : string.Empty;
                return $"{type.FullName}.{method.Name}{file}";
            }
        }

        return null;
    }

    private static bool IsFinite(Tensor t)
    {
        if (!t.DType.IsFloatingPoint())
        {
            return true; // integers and bools cannot be NaN or infinite
        }

        if (t.DType == DType.Float32)
        {
            var span = t.AsSpan<float>();
            foreach (float v in span)
            {
                if (!float.IsFinite(v))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (double v in t.AsSpan<double>())
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(Tensor t)
    {
        int nan = 0, inf = 0;
        for (int i = 0; i < t.Size; i++)
        {
            double v = t.GetFlat(i);
            if (double.IsNaN(v))
            {
                nan++;
            }
            else if (double.IsInfinity(v))
            {
                inf++;
            }
        }

        return $"{nan} NaN and {inf} infinite value(s) in a {t.Type} result";
    }

    private sealed class Scope : IDisposable
    {
        private readonly bool previous = enabled;
        private bool disposed;

        public Scope() => enabled = true;

        public void Dispose()
        {
            if (!disposed)
            {
                enabled = previous;
                disposed = true;
            }
        }
    }
}

/// <summary>Thrown in anomaly mode when an op produces NaN or infinity.</summary>
public sealed class AnomalyException : ArithmeticException
{
    /// <summary>Creates the exception with a message naming the op and the place.</summary>
    public AnomalyException(string message)
        : base(message)
    {
    }
}
